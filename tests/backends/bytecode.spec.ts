// The bytecode numbers are written twice, in core-cpp/bytecode.h (the interpreter) and in
// ts/compiler/bytecode.ts (the compiler): this spec reads the header and compares them.
import { Coll, DT, E, Op, ROp } from "../../ts/compiler/bytecode.js";

const isNode = typeof process !== "undefined" && !!process.versions?.node;

/** name -> value for every enumerator in the header (implicit values count up). */
async function headerEnums(): Promise<Map<string, number>> {
  const { readFileSync } = await import("node:fs");
  const text = readFileSync(new URL("../../../core-cpp/bytecode.h", import.meta.url), "utf8").replace(/\/\/.*$/gm, "");
  const out = new Map<string, number>();
  for (const body of text.matchAll(/enum \w+ : int32_t \{([^}]*)\}/g)) {
    let next = 0;
    for (const item of body[1].split(",").map((x) => x.trim()).filter(Boolean)) {
      const [name, value] = item.split("=").map((x) => x.trim());
      next = value === undefined ? next : Number(value);
      out.set(name, next++);
    }
  }
  return out;
}

describe("bytecode numbering", () => {
  it("matches core-cpp/bytecode.h for ops, dtypes, reductions, kernel instructions and collectives", async () => {
    if (!isNode) {
      pending("reads core-cpp/bytecode.h from disk: runs in Node only");
      return;
    }
    const h = await headerEnums();
    const check = (prefix: string, table: Record<string, number>) => {
      for (const [name, value] of Object.entries(table)) expect(h.get(prefix + name)).withContext(prefix + name).toBe(value);
    };
    check("OP_", Op);
    check("DT_", DT);
    check("R_", ROp);
    check("E_", E);
    check("C_", Coll);
    expect(h.size).toBe(Object.keys(Op).length + Object.keys(DT).length + Object.keys(ROp).length + Object.keys(E).length + Object.keys(Coll).length);
  });
});
