/** What `f` throws, for assertions on its name, code and message; fails the test when it does not throw. */
export function thrown(f: () => unknown): { name: string; code?: string; message: string } {
  try {
    f();
  } catch (e) {
    return e as { name: string; code?: string; message: string };
  }
  throw new Error('expected a throw');
}
