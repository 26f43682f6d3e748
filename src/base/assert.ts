// Always-on assertions for programmer errors (broken internal invariants); never used for operating errors.

/** Thrown when an internal invariant of the simulator is broken: always a pagelab bug, never bad input. */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/** Asserts `condition`; the message is built lazily only when it fails. */
export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new AssertionError(typeof message === 'string' ? message : message());
  }
}

/** Marks a branch the type system proves unreachable (exhaustive switches). */
export function unreachable(value: never, what = 'value'): never {
  throw new AssertionError(`unreachable ${what}: ${String(value)}`);
}
