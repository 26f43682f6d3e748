// Swarm op weights (TigerBeetle random_enum_weights style): each op kind is switched off in about a quarter of the runs, otherwise weighted 1..100 (fault arming 1..10).
import * as fc from 'fast-check';
import { ALLOCATING_KINDS, OP_SPECS } from '../ops/registry.ts';

/** The weight given to allocPages when a draw switched every allocating kind off. */
const FALLBACK_ALLOC_WEIGHT = 50;

/** Default largest weight of a kind. */
const WEIGHT_MAX = 100;

/** A weight: 0 (off) one time in four, else uniform in 1..weightMax. */
function weightArbitrary(weightMax: number): fc.Arbitrary<number> {
  return fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: weightMax }), weight: 3 });
}

/** Keeps at least one allocating kind on, or the run would have nothing to act on. */
function withAllocation(weights: Record<string, number>): Record<string, number> {
  if (ALLOCATING_KINDS.some((kind) => (weights[kind] ?? 0) > 0)) return weights;
  return { ...weights, [ALLOCATING_KINDS[0] as string]: FALLBACK_ALLOC_WEIGHT };
}

/** Per-kind weights for one run, over every registered op kind (or the given specs: a campaign profile's). */
export function opWeightsArbitrary(specs: readonly { readonly kind: string; readonly weightMax?: number }[] = OP_SPECS): fc.Arbitrary<Record<string, number>> {
  const fields: Record<string, fc.Arbitrary<number>> = {};
  for (const spec of specs) fields[spec.kind] = weightArbitrary(spec.weightMax ?? WEIGHT_MAX);
  return fc.record(fields).map(withAllocation);
}
