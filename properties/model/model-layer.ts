// The hook other layers' models plug into the shadow model: the pages they hold (conservation, the failed-op fingerprint, the end state), the pages they claim, and their per-op, audit and release steps.
//
// A layer (user memory + pins + CMA + contig ranges today; heap pools and buffers next) keeps its
// own state in its own representation and registers one ModelLayer on the ShadowModel. The shared
// invariants then count its pages without knowing what they are.
import type { PageCount, Pfn } from '../../src/base/units.ts';
import type { InvariantFailure } from '../invariants/failure.ts';
import type { OpContext } from '../ops/op.ts';

/** One layer's model as the shared invariants see it. */
export interface ModelLayer {
  /** A short name for reports ("contig", "heaps"). */
  readonly name: string;
  /** Pages the layer's objects hold now; conservation counts them as allocated. */
  heldPages(): PageCount;
  /**
   * Of those, the pages a failed op must leave as they were: pages of live objects the caller owns.
   * Pages kept only by lingering references (an unmapped page still sitting in an LRU-add batch),
   * which a drain inside any op may free, are held but not owned.
   */
  ownedPages(): PageCount;
  /** Live objects (mappings, pins, CMA allocations, buffers, ...): part of the failed-op fingerprint. */
  liveObjects(): number;
  /** The object claiming `pfn` for as long as it lives (e.g. "cma#3"), or undefined: no new allocation may get that page. */
  claimOf(pfn: Pfn): string | undefined;
  /** Cheap checks after every op (e.g. pages migration moved kept their content). */
  afterOp(ctx: OpContext): InvariantFailure | undefined;
  /** The full cross-check against the machine at audit points (O(memory) allowed). */
  audit(ctx: OpContext): InvariantFailure | undefined;
  /** Releases every object the layer holds (the end-state oracle's first step), each release checked. */
  releaseAll(ctx: OpContext): InvariantFailure | undefined;
}

/** Σ heldPages over `layers`. */
export function layersHeldPages(layers: readonly ModelLayer[]): PageCount {
  let pages = 0;
  for (const layer of layers) pages += layer.heldPages();
  return pages;
}

/** Σ ownedPages over `layers`. */
export function layersOwnedPages(layers: readonly ModelLayer[]): PageCount {
  let pages = 0;
  for (const layer of layers) pages += layer.ownedPages();
  return pages;
}

/** Σ liveObjects over `layers`. */
export function layersLiveObjects(layers: readonly ModelLayer[]): number {
  let objects = 0;
  for (const layer of layers) objects += layer.liveObjects();
  return objects;
}
