// A list arbitrary whose first shrink candidate cuts the list right after the op where the last run failed: a run stops at its first failure, so the ops after it never ran.
//
// Why: fast-check's array shrinker only drops prefixes and recurses past each kept element, so the
// ops after the failing one are reached last, and every field of every one of them is shrunk on
// the way (each such step "still fails", because those ops never run). On a 267-op counterexample
// failing at op 52 that cost ~16 000 shrink runs; cutting the tail first makes it a few hundred.
import * as fc from 'fast-check';

/** fast-check 4's array shrink context (ArrayArbitrary); only `itemsContexts` is read, and its absence is handled. */
interface ArrayShrinkContext {
  readonly itemsContexts: readonly unknown[];
}

function isArrayContext(context: unknown): context is ArrayShrinkContext {
  return typeof context === 'object' && context !== null && Array.isArray((context as { itemsContexts?: unknown }).itemsContexts);
}

/**
 * The context of `value.slice(0, length)`: the kept items keep their own contexts, so their fields
 * still shrink. Without a recognizable context, none (fast-check then only removes items).
 */
function prefixContext(context: unknown, length: number): unknown {
  if (!isArrayContext(context)) return undefined;
  return { shrunkOnce: false, lengthContext: undefined, itemsContexts: context.itemsContexts.slice(0, length), startIndex: 0 };
}

/** Wraps a list arbitrary (fc.array); `failedAt` answers, for a list a run has just failed on, the index of the failing op. */
export class FailurePrefixArbitrary<T> extends fc.Arbitrary<T[]> {
  constructor(private readonly inner: fc.Arbitrary<T[]>, private readonly failedAt: (value: readonly T[]) => number | undefined) {
    super();
  }

  override generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T[]> {
    return this.inner.generate(mrng, biasFactor);
  }

  override canShrinkWithoutContext(value: unknown): value is T[] {
    return this.inner.canShrinkWithoutContext(value);
  }

  override shrink(value: T[], context: unknown): fc.Stream<fc.Value<T[]>> {
    const index = this.failedAt(value);
    const rest = this.inner.shrink(value, context);
    if (index === undefined || index + 1 >= value.length) return rest;
    return fc.Stream.of(new fc.Value(value.slice(0, index + 1), prefixContext(context, index + 1))).join(rest);
  }
}
