/** The error `fn` throws; fails the spec when it throws nothing. */
export function caught(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  fail("expected an error");
  return undefined;
}
