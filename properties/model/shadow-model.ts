// The shadow model: which live allocation owns each page (an Int32Array page→handle map) plus the handles themselves, in allocation order.
//
// It is deliberately not a copy of the allocator: no free lists, no orders of free memory, no
// migratetypes. It records what callers were given and predicts facts about it (ownership,
// conservation of allocated pages, references), never which PFN the allocator picks.
import { assert } from '../../src/base/assert.ts';
import type { Order, PageCount, Pfn } from '../../src/base/units.ts';
import type { Gfp } from '../../src/mem/gfp.ts';
import type { OwnerId } from '../../src/mem/owners.ts';
import type { Handle } from './handle.ts';
import { layersHeldPages, type ModelLayer } from './model-layer.ts';

/** What an allocation the model records is made of. */
export interface NewHandle {
  readonly pfn: Pfn;
  readonly order: Order;
  readonly owner: OwnerId;
  readonly gfp: Gfp;
  readonly compound: boolean;
  readonly cpu: number;
}

/** Page ownership and live allocations of one run. */
export class ShadowModel {
  /** Handle id owning each page index (pfn - pfnBase); 0 = owned by no live allocation. */
  readonly pageHandle: Int32Array;
  /** Live handles in allocation order: the symbolic targets of later ops. */
  readonly live: Handle[] = [];
  /** Live handles holding extra references, in the order they first took one (putPage's targets). */
  readonly extraRefHolders: Handle[] = [];
  /** Pages held by live handles. */
  allocatedPages: PageCount = 0;
  /** Owner ids the harness registered (the model-agreement audit ignores pages of other owners). */
  readonly harnessOwners = new Set<OwnerId>();
  /** Other layers' models (user memory, CMA, contig ranges, heaps), each registered once: see model-layer.ts. */
  readonly layers: ModelLayer[] = [];
  private readonly byId: (Handle | undefined)[] = [undefined];

  constructor(readonly pfnBase: Pfn, readonly pfnEnd: Pfn) {
    this.pageHandle = new Int32Array(pfnEnd - pfnBase);
  }

  /** The id the next recorded allocation gets (and the content tag its owner will write). */
  get nextId(): number {
    return this.byId.length;
  }

  /** Pages held by live handles and by every layer: what conservation counts as allocated. */
  get heldPages(): PageCount {
    return this.allocatedPages + layersHeldPages(this.layers);
  }

  /** The layer object claiming `pfn` ("cma#3"), or undefined. */
  layerClaimOf(pfn: Pfn): string | undefined {
    for (const layer of this.layers) {
      const claim = layer.claimOf(pfn);
      if (claim !== undefined) return claim;
    }
    return undefined;
  }

  /** The handle owning `pfn`, or undefined. */
  ownerOf(pfn: Pfn): Handle | undefined {
    if (pfn < this.pfnBase || pfn >= this.pfnEnd) return undefined;
    return this.byId[this.pageHandle[pfn - this.pfnBase] as number];
  }

  /** A handle by id (live or not), for reports. */
  handle(id: number): Handle | undefined {
    return this.byId[id];
  }

  /** Records a new allocation and claims its pages. The caller checked that no page was owned. */
  add(init: NewHandle): Handle {
    const pageCount = 2 ** init.order;
    const handle: Handle = {
      id: this.byId.length, pfn: init.pfn, owner: init.owner, gfp: init.gfp, compound: init.compound, cpu: init.cpu,
      order: init.order, pageCount, ownerRef: true, extraRefs: 0,
    };
    this.byId.push(handle);
    this.live.push(handle);
    this.harnessOwners.add(init.owner);
    this.claim(init.pfn, pageCount, handle.id);
    this.allocatedPages += pageCount;
    return handle;
  }

  /** Forgets the tail pages of a non-compound block whose tails were freed while references remained; the head lives on at order 0. */
  dropTails(handle: Handle): void {
    assert(handle.pageCount > 1 && !handle.compound, () => `#${handle.id} has no tails to drop`);
    this.claim(handle.pfn + 1, handle.pageCount - 1, 0);
    this.allocatedPages -= handle.pageCount - 1;
    handle.order = 0;
    handle.pageCount = 1;
  }

  /** Records one more extra reference on `handle`. */
  addExtraRef(handle: Handle): void {
    if (handle.extraRefs === 0) this.extraRefHolders.push(handle);
    handle.extraRefs++;
  }

  /** Records one extra reference fewer on `handle`. */
  dropExtraRef(handle: Handle): void {
    assert(handle.extraRefs > 0, () => `#${handle.id} holds no extra reference`);
    handle.extraRefs--;
    if (handle.extraRefs === 0) this.extraRefHolders.splice(this.extraRefHolders.indexOf(handle), 1);
  }

  /** Forgets a handle whose last reference went: its pages belong to nobody any more. */
  remove(handle: Handle): void {
    assert(handle.extraRefs === 0, () => `#${handle.id} still holds ${handle.extraRefs} extra references`);
    const index = this.live.indexOf(handle);
    assert(index >= 0, () => `#${handle.id} is not live`);
    this.live.splice(index, 1);
    this.claim(handle.pfn, handle.pageCount, 0);
    this.allocatedPages -= handle.pageCount;
  }

  /**
   * Resolves a symbolic target among `candidates` (a list of this model, e.g. `live`): the handle at
   * `target` modulo their number, or the first one after it (cyclically) that `accepts`. Undefined
   * when none does, and the op is skipped.
   */
  pick(candidates: readonly Handle[], target: number, accepts?: (handle: Handle) => boolean): Handle | undefined {
    const count = candidates.length;
    for (let step = 0; step < count; step++) {
      const handle = candidates[(target + step) % count] as Handle;
      if (accepts === undefined || accepts(handle)) return handle;
    }
    return undefined;
  }

  private claim(pfn: Pfn, pageCount: PageCount, id: number): void {
    const start = pfn - this.pfnBase;
    this.pageHandle.fill(id, start, start + pageCount);
  }
}
