// The test helper that catches a pagelab assertion and returns its exact message (misuse asserts are part of each module's contract).
import { AssertionError } from '../../src/base/assert.ts';

/** The message of the AssertionError `fn` throws; anything else thrown (or no throw) fails the test. */
export function assertionMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AssertionError) return error.message;
    throw error;
  }
  throw new Error('expected an AssertionError, nothing was thrown');
}
