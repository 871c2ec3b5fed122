// The error a function throws (the spec fails if it throws none), for asserting on its fields.

export function caught(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  fail("expected an error");
  return undefined;
}
