// Checks on a buffer the moment a heap hands it out: its size and chunk layout per heap kind (invariants 31-33, 38, 44, CPA blocks), every page zero (36), every page unclaimed, allocated to a heap and carrying the heap's caching, and no reclaim for orders 8 and 4 (34).
import { PAGE_SIZE, type Order, type PageCount, type Pfn } from '../../src/base/units.ts';
import type { CmaArea } from '../../src/cma/cma-area.ts';
import { CONTENT_ZERO, PAGE_ALLOCATED, PG_CACHE_MASK, PG_CACHE_SHIFT } from '../../src/mem/page-state.ts';
import { FACT_CMA, FACT_MOVABLE_ZONE } from '../model/layout-facts.ts';
import type { ModelChunk } from '../model/heap-model.ts';
import type { HeapEntry } from '../ops/heaps/heap-catalog.ts';
import type { ProbedCall } from '../ops/heaps/reclaim-probe.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** The system heap's orders, largest first (kernel-reference §5.1), re-stated for the checks. */
export const SYSTEM_ORDERS: readonly Order[] = [8, 4, 0];
/** CONFIG_CMA_ALIGNMENT (kernel-reference §5.2). */
export const CMA_ALIGNMENT_ORDER_CAP = 8;

/** What a successful allocation handed out. */
export interface Handout {
  readonly entry: HeapEntry;
  /** PAGE_ALIGN(len) in pages, as the ioctl computed it. */
  readonly alignedPages: PageCount;
  readonly sizeBytes: number;
  readonly chunks: readonly ModelChunk[];
  /** The caching attribute the heap's pages must carry. */
  readonly caching: number;
  /** Bits each CMA area had set before the call. */
  readonly usedBitsBefore: ReadonlyMap<string, number>;
  /** True when the model judged memory plentiful for a system-heap request (see plentyForGreedy). */
  readonly plentiful: boolean;
}

/** get_order(n pages): the smallest order whose block holds n pages (re-derived, not imported). */
export function orderOfPages(pageCount: PageCount): Order {
  let order = 0;
  while (2 ** order < pageCount) order++;
  return order;
}

/** The buffer size a heap must produce for `alignedPages` (PAGE_ALIGN(len) / PAGE_SIZE), in pages. */
export function expectedSizePages(entry: HeapEntry, alignedPages: PageCount): PageCount {
  if (entry.kind === 'chunk') return Math.ceil(alignedPages / 2 ** (entry.chunkOrder as number)) * 2 ** (entry.chunkOrder as number);
  if (entry.kind === 'cpa' && entry.cpa !== undefined) {
    const align = 2 ** entry.cpa.options.alignOrder;
    return Math.ceil(alignedPages / align) * align;
  }
  return alignedPages;
}

/** The greedy {8, 4, 0} decomposition of `pageCount` pages: orders, largest first. */
export function greedyOrders(pageCount: PageCount): Order[] {
  const orders: Order[] = [];
  let left = pageCount;
  for (const order of SYSTEM_ORDERS) {
    while (left >= 2 ** order) {
      orders.push(order);
      left -= 2 ** order;
    }
  }
  return orders;
}

function chunkPages(chunks: readonly ModelChunk[]): PageCount {
  return chunks.reduce((sum, chunk) => sum + 2 ** chunk.order, 0);
}

/** 31 (and the CPA rule): the size is what the heap kind prescribes and the chunks cover it exactly (CPA: whole blocks). */
function checkSize(ctx: OpContext, handout: Handout): InvariantFailure | undefined {
  ctx.checks++;
  const { entry } = handout;
  const sizePages = expectedSizePages(entry, handout.alignedPages);
  if (handout.sizeBytes !== sizePages * PAGE_SIZE) {
    return fail('heap-size', `${entry.name}: buffer of ${handout.sizeBytes} bytes for PAGE_ALIGN(len) = ${handout.alignedPages * PAGE_SIZE}`, { expected: sizePages * PAGE_SIZE, actual: handout.sizeBytes });
  }
  const covered = chunkPages(handout.chunks);
  const blockPages = entry.cpa === undefined ? 1 : 2 ** entry.cpa.options.order;
  const wanted = Math.ceil(sizePages / blockPages) * blockPages;
  if (entry.kind === 'custom' ? covered >= sizePages : covered === wanted) return undefined;
  return fail('heap-size', `${entry.name}: chunks cover ${covered} pages, the ${sizePages}-page buffer needs ${wanted}`, { expected: wanted, actual: covered });
}

/** 32-33: orders in {8, 4, 0}, non-increasing, order k only while 2^k pages remain; greedy when plentiful. */
function checkSystemOrders(ctx: OpContext, handout: Handout): InvariantFailure | undefined {
  ctx.checks++;
  let remaining = handout.alignedPages;
  let previous = SYSTEM_ORDERS[0] as Order;
  for (const [index, chunk] of handout.chunks.entries()) {
    const problem = !SYSTEM_ORDERS.includes(chunk.order) ? 'is not in {8, 4, 0}'
      : chunk.order > previous ? `follows an order-${previous} chunk`
      : 2 ** chunk.order > remaining ? `with only ${remaining} pages left` : undefined;
    if (problem !== undefined) return fail('heap-orders', `${handout.entry.name}: chunk ${index} of order ${chunk.order} ${problem}`, { chunk: index, actual: chunk.order });
    remaining -= 2 ** chunk.order;
    previous = chunk.order;
  }
  if (!handout.plentiful) return undefined;
  const greedy = greedyOrders(handout.alignedPages);
  const actual = handout.chunks.map((chunk) => chunk.order);
  if (greedy.join() === actual.join()) return undefined;
  return fail('heap-orders', `${handout.entry.name}: memory was plentiful but ${handout.alignedPages} pages came as ${ordersText(actual)}, not the greedy ${ordersText(greedy)}`, { expected: ordersText(greedy), actual: ordersText(actual) });
}

/** `o8:1,o4:2,o0:3`. */
export function ordersText(orders: readonly Order[]): string {
  const counts = new Map<Order, number>();
  for (const order of orders) counts.set(order, (counts.get(order) ?? 0) + 1);
  return [...counts].map(([order, count]) => `o${order}:${count}`).join(',') || 'none';
}

/** The bit of `pfn` and the bits `pageCount` pages take in `area`. */
function bitsOf(area: CmaArea, pfn: Pfn, pageCount: PageCount): { start: number; count: number } {
  const perBit = 2 ** area.orderPerBit;
  return { start: Math.floor((pfn - area.basePfn) / perBit), count: Math.ceil(pageCount / perBit) };
}

/** A range of `area` aligned as cma_alloc aligns it: pfn % 2^align == 0 when align > opb, else (pfn - base) % 2^opb == 0. */
function alignmentProblem(area: CmaArea, pfn: Pfn, pageCount: PageCount, alignOrder: Order): string | undefined {
  if (pfn < area.basePfn || pfn + pageCount > area.pfnEnd) return `[${pfn}, ${pfn + pageCount}) is not inside ${area.name} [${area.basePfn}, ${area.pfnEnd})`;
  const aligned = alignOrder > area.orderPerBit ? pfn % 2 ** alignOrder === 0 : (pfn - area.basePfn) % 2 ** area.orderPerBit === 0;
  if (!aligned) return `pfn ${pfn} is not aligned to 2^${Math.max(alignOrder, area.orderPerBit)} (${alignOrder > area.orderPerBit ? 'absolute' : 'from the base'})`;
  const bits = bitsOf(area, pfn, pageCount);
  for (let bit = bits.start; bit < bits.start + bits.count; bit++) {
    if (!area.bitmap.isBitSet(bit)) return `bit ${bit} of ${area.name} is clear although the buffer holds its pages`;
  }
  return undefined;
}

/** The bits `area` gained in the call equal `expected`. */
function bitsGained(handout: Handout, area: CmaArea, expected: number): string | undefined {
  const gained = area.bitmap.usedBits() - (handout.usedBitsBefore.get(area.name) ?? 0);
  return gained === expected ? undefined : `${area.name} gained ${gained} bitmap bits, expected ${expected}`;
}

/** 38: one contiguous range of order-0 entries, inside the area, aligned to 2^min(get_order(size), 8), its bits set. */
function checkCmaHeap(ctx: OpContext, handout: Handout): InvariantFailure | undefined {
  ctx.checks++;
  const area = handout.entry.area as CmaArea;
  const first = handout.chunks[0]?.pfn ?? -1;
  const pageCount = handout.alignedPages;
  const gap = handout.chunks.findIndex((chunk, index) => chunk.order !== 0 || chunk.pfn !== first + index);
  const alignOrder = Math.min(orderOfPages(pageCount), CMA_ALIGNMENT_ORDER_CAP);
  const problem = (gap >= 0 ? `entry ${gap} is not page ${first + gap} of one range` : undefined)
    ?? alignmentProblem(area, first, pageCount, alignOrder)
    ?? bitsGained(handout, area, bitsOf(area, first, pageCount).count);
  return problem === undefined ? undefined : fail('cma-heap-alignment', `${handout.entry.name}: ${pageCount}-page buffer at ${first}: ${problem}`, { pfn: first, alignOrder });
}

/** 44: exactly ceil(len / chunk) chunks of the heap's order, each aligned, inside the area, bits set. */
function checkChunkHeap(ctx: OpContext, handout: Handout): InvariantFailure | undefined {
  ctx.checks++;
  const area = handout.entry.area as CmaArea;
  const order = handout.entry.chunkOrder as Order;
  const count = expectedSizePages(handout.entry, handout.alignedPages) / 2 ** order;
  if (handout.chunks.length !== count) {
    return fail('chunk-heap-shape', `${handout.entry.name}: ${handout.chunks.length} chunks for ${handout.alignedPages} pages, expected ceil(len / chunk) = ${count}`, { expected: count, actual: handout.chunks.length });
  }
  for (const chunk of handout.chunks) {
    const problem = chunk.order !== order ? `chunk at ${chunk.pfn} has order ${chunk.order}, not ${order}` : alignmentProblem(area, chunk.pfn, 2 ** order, order);
    if (problem !== undefined) return fail('chunk-heap-shape', `${handout.entry.name}: ${problem}`, { pfn: chunk.pfn });
  }
  const problem = bitsGained(handout, area, count * bitsOf(area, area.basePfn, 2 ** order).count);
  return problem === undefined ? undefined : fail('chunk-heap-shape', `${handout.entry.name}: ${problem}`, {});
}

/** CPA: every chunk is one block of the pool's order. */
function checkCpaBlocks(ctx: OpContext, handout: Handout): InvariantFailure | undefined {
  ctx.checks++;
  const order = handout.entry.cpa?.options.order as Order;
  const odd = handout.chunks.find((chunk) => chunk.order !== order || chunk.pfn % 2 ** order !== 0);
  if (odd === undefined) return undefined;
  return fail('heap-size', `${handout.entry.name}: chunk at ${odd.pfn} of order ${odd.order} is not an aligned order-${order} block`, { pfn: odd.pfn, expected: order, actual: odd.order });
}

/** The shape checks of the heap's kind. */
export function checkBufferShape(ctx: OpContext, handout: Handout): InvariantFailure | undefined {
  const size = checkSize(ctx, handout);
  if (size !== undefined) return size;
  switch (handout.entry.kind) {
    case 'system': return checkSystemOrders(ctx, handout);
    case 'cma': return checkCmaHeap(ctx, handout);
    case 'chunk': return checkChunkHeap(ctx, handout);
    case 'cpa': return checkCpaBlocks(ctx, handout);
    default: return undefined;
  }
}

/** Why a handed-out page is wrong (36 first: the most important one), or undefined. */
function pageProblem(ctx: OpContext, handout: Handout, pfn: Pfn): InvariantFailure | undefined {
  const table = ctx.machine.buddy.table;
  const index = table.pageIndex(pfn);
  const tag = table.content[index] as number;
  if (tag !== CONTENT_ZERO) return fail('heap-zeroed', `${handout.entry.name} handed out pfn ${pfn} holding data tagged ${tag} (a previous owner's)`, { pfn, expected: 0, actual: tag });
  const claim = ctx.model.ownerOf(pfn) === undefined ? ctx.model.layerClaimOf(pfn) : `#${ctx.model.ownerOf(pfn)?.id}`;
  if (claim !== undefined) return fail('buffer-disjoint', `${handout.entry.name} handed out pfn ${pfn}, which ${claim} holds`, { pfn, expected: 'unclaimed', actual: claim });
  const owner = table.owner[index] as number;
  if (table.state[index] !== PAGE_ALLOCATED || !ctx.machine.owners.has(owner) || ctx.machine.owners.kindOf(owner) !== 'heap') {
    return fail('buffer-disjoint', `${handout.entry.name} handed out pfn ${pfn}, which is not allocated to a heap (state ${table.state[index]}, owner ${owner})`, { pfn });
  }
  const caching = ((table.flags[index] as number) & PG_CACHE_MASK) >> PG_CACHE_SHIFT;
  if (caching !== handout.caching) return fail('pool-hit-miss', `${handout.entry.name} handed out pfn ${pfn} with caching ${caching}, expected ${handout.caching}`, { pfn, expected: handout.caching, actual: caching });
  const facts = ctx.facts.factsOf(pfn);
  const unmovableHeap = handout.entry.kind === 'system' || handout.entry.kind === 'cpa';
  if (unmovableHeap && (facts & FACT_CMA) !== 0) return fail('cma-migratetype', `${handout.entry.name} (no __GFP_MOVABLE) handed out pfn ${pfn} from CMA area ${ctx.facts.cmaAreaOf(pfn) ?? '?'}`, { pfn });
  if (unmovableHeap && (facts & FACT_MOVABLE_ZONE) !== 0) return fail('zone-placement', `${handout.entry.name} (no __GFP_MOVABLE) handed out pfn ${pfn} from ZONE_MOVABLE`, { pfn });
  return undefined;
}

/** 36 and disjointness: every page of every chunk reads zero, is claimed by nobody else and belongs to a heap (O(pages)). */
export function checkHandoutPages(ctx: OpContext, handout: Handout): InvariantFailure | undefined {
  ctx.checks += 4;
  for (const chunk of handout.chunks) {
    for (let pfn = chunk.pfn; pfn < chunk.pfn + 2 ** chunk.order; pfn++) {
      const problem = pageProblem(ctx, handout, pfn);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

/** 34: during a system-heap allocation only order-0 requests entered direct reclaim or compaction. */
export function checkNoHighOrderReclaim(ctx: OpContext, heapName: string, calls: readonly ProbedCall[]): InvariantFailure | undefined {
  ctx.checks++;
  const high = calls.find((call) => call.order > 0);
  if (high === undefined) return undefined;
  return fail('heap-no-reclaim', `${heapName}: an order-${high.order} request entered direct ${high.kind} (only order 0 may)`, { expected: 'order 0 only', actual: high });
}
