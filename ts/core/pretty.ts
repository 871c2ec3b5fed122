// A small Lindig-style pretty printer (the layout algorithm JAX's jaxpr printer uses): a group
// prints flat when its own content fits in the remaining width, otherwise its breaks become newlines.

export type Doc =
  | { k: "text"; s: string; ann?: string }
  | { k: "concat"; ds: Doc[] }
  | { k: "brk"; s: string }
  | { k: "nest"; n: number; d: Doc }
  | { k: "group"; d: Doc };

export const text = (s: string): Doc => ({ k: "text", s });
/** Text with an annotation, printed as a `# comment` right of its line (JAX's `pp.text(s, annotation=...)`). */
export const annotated = (s: string, ann: string): Doc => ({ k: "text", s, ann });
export const concat = (...ds: Doc[]): Doc => ({ k: "concat", ds });
export const brk = (s = " "): Doc => ({ k: "brk", s });
export const nest = (n: number, d: Doc): Doc => ({ k: "nest", n, d });
export const group = (d: Doc): Doc => ({ k: "group", d });
export const nil: Doc = concat();

export function join(sep: Doc, ds: Doc[]): Doc {
  const out: Doc[] = [];
  ds.forEach((d, i) => {
    if (i) out.push(sep);
    out.push(d);
  });
  return concat(...out);
}

type Item = [indent: number, flat: boolean, doc: Doc];

function fits(doc: Doc, width: number): boolean {
  const agenda: Doc[] = [doc];
  while (width >= 0 && agenda.length) {
    const d = agenda.pop()!;
    switch (d.k) {
      case "text": case "brk": width -= d.s.length; break;
      case "concat": for (let i = d.ds.length - 1; i >= 0; i--) agenda.push(d.ds[i]); break;
      case "nest": case "group": agenda.push(d.d); break;
    }
  }
  return width >= 0;
}

export function format(doc: Doc, width = 80): string {
  let out = "";
  let col = 0;
  let line = 0;
  const anns = new Map<number, string[]>();
  const agenda: Item[] = [[0, false, doc]];
  while (agenda.length) {
    const [i, flat, d] = agenda.pop()!;
    switch (d.k) {
      case "text":
        out += d.s;
        col += d.s.length;
        if (d.ann !== undefined) anns.set(line, [...(anns.get(line) ?? []), d.ann]);
        break;
      case "concat": for (let j = d.ds.length - 1; j >= 0; j--) agenda.push([i, flat, d.ds[j]]); break;
      case "nest": agenda.push([i + d.n, flat, d.d]); break;
      case "group": agenda.push([i, flat || fits(d.d, width - col), d.d]); break;
      case "brk":
        if (flat) {
          out += d.s;
          col += d.s.length;
        } else {
          out += "\n" + " ".repeat(i);
          col = i;
          line++;
        }
        break;
    }
  }
  return anns.size ? placeAnnotations(out, anns) : out;
}

/** Annotations start one column right of the longest line, several on one line stack below it (as JAX's printer does). */
function placeAnnotations(out: string, anns: Map<number, string[]>): string {
  const lines = out.split("\n");
  const w = Math.max(...lines.map((l) => l.length));
  return lines
    .map((l, k) => {
      const a = anns.get(k);
      if (!a) return l;
      return [l.padEnd(w), ...a.slice(1).map(() => " ".repeat(w))].map((s, j) => `${s} # ${a[j]}`).join("\n");
    })
    .join("\n");
}
