// The heap layer of a run: the heap model, the real dma-bufs behind its buffers, the memory hogs, the catalogue of heaps, the reclaim probe and the per-caching flow ledger, registered on the shadow model as one ModelLayer.
import type { PageCount, Pfn } from '../../../src/base/units.ts';
import type { DmaBuf } from '../../../src/heaps/dma-buf.ts';
import type { MemoryHog } from '../../../src/reclaim/hog.ts';
import type { HarnessMachine, HeapLayers } from '../../harness-machine.ts';
import type { InvariantFailure } from '../../invariants/failure.ts';
import { auditHeaps } from '../../invariants/heap-audit.ts';
import { checkHeapFlows } from '../../invariants/heap-flows.ts';
import { HeapModel, type ModelBuffer } from '../../model/heap-model.ts';
import type { ModelLayer } from '../../model/model-layer.ts';
import type { OpContext } from '../op.ts';
import { syncDeferred } from './deferred-sync.ts';
import { buildHeapCatalog, FAMILY_ORDERS, familyPooledPages, type HeapCatalog } from './heap-catalog.ts';
import { releaseEverything } from './heap-teardown.ts';
import { CACHINGS, takeHeapSnapshot, type HeapSnapshot } from './heap-snapshot.ts';
import { installReclaimProbe, type ReclaimProbe } from './reclaim-probe.ts';

/** The layer's name on the shadow model. */
export const HEAP_LAYER_NAME = 'heaps';

/** A memory hog the harness drives ("hog#2"). */
export interface HogEntry {
  readonly id: number;
  readonly hog: MemoryHog;
}

/** Per family: pages obtained and returned per [order index][caching], attributed by the model. */
export interface CachingLedger {
  readonly obtained: number[][];
  readonly returned: number[][];
}

/** What the op being applied did that the after-op flow checks must know. */
export interface OpNotes {
  /** The caching attribute of the system heap an allocation used in this op, per family name. */
  readonly allocatingCaching: Map<string, number>;
}

/** A machine with its heap layers present. */
export type HeapMachine = HarnessMachine & HeapLayers;

/** The heap layer of one run. */
export class HeapLayer implements ModelLayer {
  readonly name = HEAP_LAYER_NAME;
  readonly model: HeapModel;
  /** The real dma-buf of each model buffer id (the harness's open fds). */
  readonly bufs = new Map<number, DmaBuf>();
  /** Live hogs in creation order: the symbolic targets of hog ops. */
  readonly hogs: HogEntry[] = [];
  readonly probe: ReclaimProbe;
  /** Per family name. */
  readonly ledgers = new Map<string, CachingLedger>();
  notes: OpNotes = { allocatingCaching: new Map() };
  /** The counters after the previous op (the flow checks' "before"). */
  last: HeapSnapshot;
  /** Per family, the pages of each deferred item freed since the last afterOp, in the order freed. */
  popped = new Map<string, number[]>();
  /** A deferred-list desync found while syncing outside afterOp, reported by the next afterOp. */
  pendingFailure: InvariantFailure | undefined;
  private catalogCache: HeapCatalog;
  private nextHogId = 1;

  constructor(readonly machine: HeapMachine, pfnBase: Pfn, pfnEnd: Pfn) {
    this.model = new HeapModel(pfnBase, pfnEnd);
    this.catalogCache = buildHeapCatalog(machine.heaps);
    this.probe = installReclaimProbe(machine.buddy);
    this.last = takeHeapSnapshot(machine, this.catalogCache);
    this.resetLedgers();
  }

  /** The classified heaps (rebuilt when a heap was registered since). */
  get catalog(): HeapCatalog {
    if (this.machine.heaps.names().length !== this.catalogCache.heapCount) {
      this.catalogCache = buildHeapCatalog(this.machine.heaps);
      this.resetLedgers();
    }
    return this.catalogCache;
  }

  /** A fresh hog id. */
  takeHogId(): number {
    return this.nextHogId++;
  }

  /** The real dma-buf of a model buffer. */
  bufOf(buffer: ModelBuffer): DmaBuf {
    return this.bufs.get(buffer.id) as DmaBuf;
  }

  heldPages(): PageCount {
    this.sync();
    let pages = this.model.livePages + this.hogPages();
    for (const family of this.catalog.families) pages += familyPooledPages(family) + this.model.deferredPages(family.name);
    for (const pool of this.catalog.cpaPools) pages += pool.pooledPages;
    return pages;
  }

  ownedPages(): PageCount {
    return this.model.livePages + this.hogPages();
  }

  liveObjects(): number {
    return this.model.buffers.length + this.model.maps.length + this.model.attachments.length + this.hogs.length;
  }

  claimOf(pfn: Pfn): string | undefined {
    this.sync();
    const buffer = this.model.bufferAt(pfn);
    if (buffer === undefined) return undefined;
    return this.model.buffers.includes(buffer) ? `buf#${buffer.id}` : `buf#${buffer.id} (deferred)`;
  }

  afterOp(ctx: OpContext): InvariantFailure | undefined {
    const failure = this.takePending() ?? checkHeapFlows(ctx, this);
    this.last = takeHeapSnapshot(this.machine, this.catalog);
    this.notes = { allocatingCaching: new Map() };
    this.popped = new Map();
    return failure;
  }

  audit(ctx: OpContext): InvariantFailure | undefined {
    return this.takePending() ?? auditHeaps(ctx, this);
  }

  releaseAll(ctx: OpContext): InvariantFailure | undefined {
    return releaseEverything(ctx, this);
  }

  /** Records one deferred item the sync found freed. */
  notePopped(family: string, pages: number): void {
    const list = this.popped.get(family);
    if (list === undefined) this.popped.set(family, [pages]);
    else list.push(pages);
  }

  /** Brings the model's deferred lists in line with the real ones; a desync is kept for the next report. */
  sync(): void {
    const failure = syncDeferred(this);
    if (failure !== undefined && this.pendingFailure === undefined) this.pendingFailure = failure;
  }

  /** Syncs, then hands over (and forgets) the first desync found since the last report. */
  takePending(): InvariantFailure | undefined {
    this.sync();
    const pending = this.pendingFailure;
    this.pendingFailure = undefined;
    return pending;
  }

  private hogPages(): PageCount {
    let pages = 0;
    for (const entry of this.hogs) pages += entry.hog.pageCount;
    return pages;
  }

  private resetLedgers(): void {
    for (const family of this.catalogCache.families) {
      if (this.ledgers.has(family.name)) continue;
      const grid = (): number[][] => FAMILY_ORDERS.map(() => CACHINGS.map(() => 0));
      this.ledgers.set(family.name, { obtained: grid(), returned: grid() });
    }
  }
}

/** The heap layer registered on the run's model, or undefined when the machine has no heap layers. */
export function heapLayerOf(ctx: OpContext): HeapLayer | undefined {
  const layer = ctx.model.layers.find((each) => each.name === HEAP_LAYER_NAME);
  return layer instanceof HeapLayer ? layer : undefined;
}

/** Registers the heap layer on a freshly started run (no-op when the machine lacks heap layers). */
export function attachHeapLayer(ctx: OpContext): void {
  const { machine } = ctx;
  if (machine.heaps === undefined || machine.shrinkers === undefined || machine.pressure === undefined) return;
  if (heapLayerOf(ctx) !== undefined) return;
  ctx.model.layers.push(new HeapLayer(machine as HeapMachine, ctx.model.pfnBase, ctx.model.pfnEnd));
}
