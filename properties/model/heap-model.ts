// The dma-buf heap model: live buffers as plain data (heap, size, references, mappings, attachments, chunks, the content every page must read), which page each live or deferred buffer holds, and the deferred-free lists as the model expects them (LIFO).
//
// It knows nothing about pools, free lists or how a heap picks pages: it records what callers were
// handed and predicts facts about it (no page in two buffers, zero pages at hand-out, data written is
// read back, release order of deferred items). The real dma-buf objects stay with the op layer.
import { assert } from '../../src/base/assert.ts';
import type { Order, PageCount, Pfn } from '../../src/base/units.ts';

/** What kind of heap served a buffer (decides which per-heap invariants apply). */
export type HeapKind = 'system' | 'cma' | 'chunk' | 'cpa' | 'custom';

/** One sg entry as the model keeps it. */
export interface ModelChunk {
  readonly pfn: Pfn;
  readonly order: Order;
}

/** The protection of a mapping. */
export type ModelAccess = 'r' | 'w' | 'rw';

/** One live mapping ("map#4"). */
export interface ModelMap {
  readonly id: number;
  readonly buffer: ModelBuffer;
  /** The id DmaBuf.mmap returned. */
  readonly realId: number;
  readonly access: ModelAccess;
  readonly pageOffset: number;
  readonly pageCount: PageCount;
}

/** One live attachment ("att#2"). */
export interface ModelAttachment {
  readonly id: number;
  readonly buffer: ModelBuffer;
  /** The id DmaBuf.attach returned. */
  readonly realId: number;
  readonly device: string;
}

/** One dma-buf the harness holds ("buf#3"). */
export interface ModelBuffer {
  readonly id: number;
  readonly heapName: string;
  readonly kind: HeapKind;
  /** The system-heap family (pools, deferred list) it belongs to, or '' for other heaps. */
  readonly family: string;
  /** The caching attribute its pages carry (system heaps; 0 = write-back otherwise). */
  readonly caching: number;
  readonly fdFlags: number;
  readonly sizeBytes: number;
  /** sizeBytes / PAGE_SIZE. */
  readonly pageCount: PageCount;
  readonly chunks: readonly ModelChunk[];
  /** Σ 2^order over the chunks (may exceed pageCount for a CPA heap's last block). */
  readonly chunkPages: PageCount;
  /** The content tag each of the buffer's pages must read (0 = zero). */
  readonly expected: Uint32Array;
  fds: number;
  readonly maps: ModelMap[];
  readonly attachments: ModelAttachment[];
}

/** A released buffer waiting on a deferred-free list. */
export interface DeferredEntry {
  readonly buffer: ModelBuffer;
}

/** What a new buffer is made of. */
export type NewBuffer = Omit<ModelBuffer, 'id' | 'expected' | 'fds' | 'maps' | 'attachments' | 'chunkPages'>;

/** Σ 2^order of `chunks`. */
export function chunkPageCount(chunks: readonly ModelChunk[]): PageCount {
  let pages = 0;
  for (const chunk of chunks) pages += 2 ** chunk.order;
  return pages;
}

/** Live buffers, mappings, attachments and deferred entries of one run. */
export class HeapModel {
  /** Live buffers in creation order: the symbolic targets of buffer ops. */
  readonly buffers: ModelBuffer[] = [];
  /** Live mappings of every buffer, in creation order. */
  readonly maps: ModelMap[] = [];
  /** Live attachments of every buffer, in creation order. */
  readonly attachments: ModelAttachment[] = [];
  /** Per family: released buffers still on its deferred-free list, head (next to be freed) first. */
  readonly deferred = new Map<string, DeferredEntry[]>();
  /** Buffer id holding each page index (pfn - pfnBase), live or deferred; 0 = none. */
  readonly pageBuffer: Int32Array;
  /** Pages of live buffers (Σ chunkPages). */
  livePages: PageCount = 0;
  private readonly byId: (ModelBuffer | undefined)[] = [undefined];
  /** Pages of live buffers per `family|order|caching` (system families only). */
  private readonly liveByKey = new Map<string, PageCount>();
  /** Pages on deferred lists per `family|order|caching`. */
  private readonly deferredByKey = new Map<string, PageCount>();
  /** Pages on each family's deferred list. */
  private readonly deferredTotal = new Map<string, PageCount>();
  /** Chunks of live buffers per heap name. */
  private readonly chunksByHeap = new Map<string, number>();
  private nextRefId = 1;

  constructor(readonly pfnBase: Pfn, readonly pfnEnd: Pfn) {
    this.pageBuffer = new Int32Array(pfnEnd - pfnBase);
  }

  /** The buffer (live or deferred) holding `pfn`, or undefined. */
  bufferAt(pfn: Pfn): ModelBuffer | undefined {
    if (pfn < this.pfnBase || pfn >= this.pfnEnd) return undefined;
    return this.byId[this.pageBuffer[pfn - this.pfnBase] as number];
  }

  /** Records a new buffer with one fd and zero-expected pages; the caller checked its pages were unclaimed. */
  add(init: NewBuffer): ModelBuffer {
    const buffer: ModelBuffer = {
      ...init, id: this.byId.length, chunkPages: chunkPageCount(init.chunks), expected: new Uint32Array(init.pageCount), fds: 1, maps: [], attachments: [],
    };
    this.byId.push(buffer);
    this.buffers.push(buffer);
    this.claim(buffer, buffer.id);
    this.livePages += buffer.chunkPages;
    this.count(this.liveByKey, buffer, 1);
    this.chunksByHeap.set(buffer.heapName, (this.chunksByHeap.get(buffer.heapName) ?? 0) + buffer.chunks.length);
    return buffer;
  }

  /** Records a mapping of `buffer`. */
  addMap(buffer: ModelBuffer, realId: number, access: ModelAccess, pageOffset: number, pageCount: PageCount): ModelMap {
    const map: ModelMap = { id: this.nextRefId++, buffer, realId, access, pageOffset, pageCount };
    buffer.maps.push(map);
    this.maps.push(map);
    return map;
  }

  /** Forgets a mapping. */
  removeMap(map: ModelMap): void {
    removeFrom(map.buffer.maps, map);
    removeFrom(this.maps, map);
  }

  /** Records an attachment of `buffer`. */
  addAttachment(buffer: ModelBuffer, realId: number, device: string): ModelAttachment {
    const attachment: ModelAttachment = { id: this.nextRefId++, buffer, realId, device };
    buffer.attachments.push(attachment);
    this.attachments.push(attachment);
    return attachment;
  }

  /** Forgets an attachment. */
  removeAttachment(attachment: ModelAttachment): void {
    removeFrom(attachment.buffer.attachments, attachment);
    removeFrom(this.attachments, attachment);
  }

  /** The references the dma-buf must count: fds, mappings and attachments. */
  refcount(buffer: ModelBuffer): number {
    return buffer.fds + buffer.maps.length + buffer.attachments.length;
  }

  /**
   * The last reference went: the buffer is no longer live. Its pages stay claimed when `deferredFamily`
   * names the deferred-free list it was queued on (at the head), and are unclaimed otherwise.
   */
  release(buffer: ModelBuffer, deferredFamily?: string): void {
    assert(this.refcount(buffer) === 0, () => `buf#${buffer.id} still has ${this.refcount(buffer)} references`);
    removeFrom(this.buffers, buffer);
    this.livePages -= buffer.chunkPages;
    this.count(this.liveByKey, buffer, -1);
    this.chunksByHeap.set(buffer.heapName, (this.chunksByHeap.get(buffer.heapName) ?? 0) - buffer.chunks.length);
    if (deferredFamily === undefined) {
      this.claim(buffer, 0);
      return;
    }
    this.deferredOf(deferredFamily).unshift({ buffer });
    this.count(this.deferredByKey, buffer, 1);
    this.deferredTotal.set(deferredFamily, this.deferredPages(deferredFamily) + buffer.chunkPages);
  }

  /** The entries of `family`'s deferred list, head first. */
  deferredOf(family: string): DeferredEntry[] {
    let list = this.deferred.get(family);
    if (list === undefined) {
      list = [];
      this.deferred.set(family, list);
    }
    return list;
  }

  /** Pages on `family`'s deferred list as the model expects it. */
  deferredPages(family: string): PageCount {
    return this.deferredTotal.get(family) ?? 0;
  }

  /** The head entry of `family`'s list was freed (by the worker or the shrinker): its pages are unclaimed. */
  popDeferred(family: string): ModelBuffer {
    const entry = this.deferredOf(family).shift();
    assert(entry !== undefined, () => `deferred list ${family} is empty`);
    this.claim(entry.buffer, 0);
    this.count(this.deferredByKey, entry.buffer, -1);
    this.deferredTotal.set(family, this.deferredPages(family) - entry.buffer.chunkPages);
    return entry.buffer;
  }

  /** Pages of live buffers of one family, order and caching (pool conservation's "in use"). */
  livePagesOf(family: string, order: Order, caching: number): PageCount {
    return this.liveByKey.get(`${family}|${order}|${caching}`) ?? 0;
  }

  /** Pages of one family, order and caching on its deferred list. */
  deferredPagesOf(family: string, order: Order, caching: number): PageCount {
    return this.deferredByKey.get(`${family}|${order}|${caching}`) ?? 0;
  }

  /** Chunks held by live buffers of heap `heapName`. */
  liveChunksOf(heapName: string): number {
    return this.chunksByHeap.get(heapName) ?? 0;
  }

  /** Records a store of `tag` into buffer pages [firstPage, firstPage + pageCount). */
  noteWrite(buffer: ModelBuffer, firstPage: number, pageCount: PageCount, tag: number): void {
    buffer.expected.fill(tag, firstPage, firstPage + pageCount);
  }

  /** Adds `sign` × the buffer's pages per order to `counts` (system families only). */
  private count(counts: Map<string, PageCount>, buffer: ModelBuffer, sign: 1 | -1): void {
    if (buffer.family === '') return;
    for (const chunk of buffer.chunks) {
      const key = `${buffer.family}|${chunk.order}|${buffer.caching}`;
      counts.set(key, (counts.get(key) ?? 0) + sign * 2 ** chunk.order);
    }
  }

  private claim(buffer: ModelBuffer, id: number): void {
    for (const chunk of buffer.chunks) {
      const start = chunk.pfn - this.pfnBase;
      this.pageBuffer.fill(id, start, start + 2 ** chunk.order);
    }
  }
}

function removeFrom<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  assert(index >= 0, 'removing an item that is not in the list');
  list.splice(index, 1);
}
