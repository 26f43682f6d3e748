// What a broken invariant looks like (name, one-line message, expected-vs-actual details) and the catalogue of invariant names.

/** Every invariant the harness checks, with the one line a report prints about it. Names are stable: corpus signatures use them. */
export const INVARIANTS = {
  'no-exception': 'the simulator never throws (an AssertionError is a broken internal invariant)',
  'config': 'the scenario config boots',
  'no-double-ownership': 'no page is owned by two live allocations',
  'alignment': 'an order-k block starts at a multiple of 2^k pages',
  'managed-memory': 'allocations lie in managed memory (inside a bank, not boot-reserved)',
  'cma-migratetype': 'requests without __GFP_MOVABLE never receive MIGRATE_CMA pages',
  'zone-placement': 'only __GFP_MOVABLE|__GFP_HIGHMEM requests receive ZONE_MOVABLE pages',
  'zeroed-pages': 'every page of a __GFP_ZERO allocation reads as zero',
  'content-integrity': 'a live allocation keeps its owner and the data its owner wrote',
  'page-state': 'the allocator reports pages allocated/free as the model predicts, with the predicted refcount',
  'predicted-outcome': 'requests the model knows must fail do fail (order > MAX_PAGE_ORDER, an armed page_alloc fault), with ENOMEM',
  'bulk-contract': 'alloc_pages_bulk fills only null slots, returns r with slots [0, r) set and later null slots untouched',
  'conservation': 'free + isolated free + per-CPU + allocated pages == managed pages',
  'failed-op-unchanged': 'a failed operation leaves allocations and page counts as they were',
  'drain': 'a drained CPU holds no per-CPU pages',
  'structural': 'the structural checker (checkBuddy) finds nothing',
  'model-agreement': 'every page the model assigns to a live allocation is allocated to it, and no other harness page is',
  'end-state': 'after freeing everything and draining, memory is back to the boot free state, fully merged',
} as const;

/** The name of an invariant. */
export type InvariantName = keyof typeof INVARIANTS;

/** A broken invariant: its name, one readable line, and the facts behind it (`expected`/`actual` when there is a comparison). */
export interface InvariantFailure {
  readonly invariant: InvariantName;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Builds a failure; `details` usually carries `expected` and `actual`. */
export function fail(invariant: InvariantName, message: string, details: Readonly<Record<string, unknown>> = {}): InvariantFailure {
  return { invariant, message, details };
}

/** True when `name` is a known invariant name (corpus validation). */
export function isInvariantName(name: string): name is InvariantName {
  return Object.prototype.hasOwnProperty.call(INVARIANTS, name);
}
