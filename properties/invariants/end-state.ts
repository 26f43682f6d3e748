// The end-state oracle: after every live allocation was freed and the per-CPU lists drained, memory is all free and fully merged, as at boot.
//
// Linux's documented exceptions, each narrowing what is compared rather than switching the check
// off:
// - highatomic pageblocks stay reserved after their pages are freed (reserve_highatomic_pageblock
//   never undoes itself), so free blocks normally cannot merge across them, and the expected blocks
//   are the fully merged decomposition under the current pageblock types instead of the boot blocks;
// - but a page cached on a per-CPU list keeps the migratetype its pageblock had when it was freed,
//   and 6.1's free_pcppages_bulk() frees it with that stale type, so a pageblock that became
//   highatomic meanwhile can still merge with a mergeable neighbour (fixed in 6.10 by "mm:
//   page_alloc: close migratetype race between freeing and stealing", Johannes Weiner): blocks
//   above pageblock order that cover a highatomic pageblock are compared split at pageblock order;
// - 6.1's unreserve_highatomic_pageblock() hands a pageblock back without re-merging it, so once it
//   has run, every block is compared only up to pageblock order.
import { MAX_PAGE_ORDER, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER } from '../../src/base/units.ts';
import { MIGRATE_CMA, MIGRATE_HIGHATOMIC, MIGRATE_ISOLATE, MIGRATETYPE_NAMES } from '../../src/mem/migratetype.ts';
import { FACT_CMA, FACT_MANAGED } from '../model/layout-facts.ts';
import type { OpContext } from '../ops/op.ts';
import { checkStructure } from './audit.ts';
import { fail, type InvariantFailure } from './failure.ts';
import { capBlocks, firstDifference, mergedDecomposition, readFreeBlocks, type FreeBlocks } from './free-blocks.ts';

/** Nothing is allocated, cached per CPU or isolated: free == managed. */
function checkAllFree(ctx: OpContext): InvariantFailure | undefined {
  const buddy = ctx.machine.buddy;
  const { model } = ctx;
  if (model.live.length !== 0 || model.heldPages !== 0) {
    return fail('end-state', `${model.live.length} allocations (${model.heldPages} pages with the layers') still live after releasing everything`, { expected: 0, actual: model.heldPages });
  }
  const free = buddy.nrFreePages();
  const pcp = buddy.pcpPages();
  const isolated = buddy.nrIsolatedFreePages();
  const managed = buddy.managedPages();
  if (pcp === 0 && isolated === 0 && free === managed) return undefined;
  return fail('end-state', `after releasing everything and draining: free ${free}, pcp ${pcp}, isolated ${isolated}, managed ${managed}`, { expected: { free: managed, pcp: 0, isolated: 0 }, actual: { free, pcp, isolated } });
}

/** Pageblocks are back to their boot roles: CMA exactly in the CMA areas, nothing isolated. Returns the failure or the highatomic pageblocks. */
function checkPageblocks(ctx: OpContext): InvariantFailure | number[] {
  const buddy = ctx.machine.buddy;
  const highatomic: number[] = [];
  for (const bank of ctx.machine.layout.banks) {
    for (let pfn = bank.pfnStart - (bank.pfnStart % PAGEBLOCK_NR_PAGES); pfn < bank.pfnEnd; pfn += PAGEBLOCK_NR_PAGES) {
      const probe = Math.max(pfn, bank.pfnStart);
      const migratetype = buddy.pageblockMigratetype(probe);
      const inCma = (ctx.facts.factsOf(probe) & FACT_CMA) !== 0;
      if (migratetype === MIGRATE_HIGHATOMIC) highatomic.push(pfn);
      if (migratetype === MIGRATE_ISOLATE || inCma !== (migratetype === MIGRATE_CMA)) {
        return fail('end-state', `pageblock at pfn ${probe} is ${MIGRATETYPE_NAMES[migratetype] ?? migratetype} at the end${inCma ? ' (inside a CMA area)' : ''}`, {
          pfn: probe, expected: inCma ? 'CMA' : 'a mergeable type or HighAtomic', actual: MIGRATETYPE_NAMES[migratetype] ?? migratetype,
        });
      }
    }
  }
  return highatomic;
}

function blockText(blocks: FreeBlocks, index: number): string {
  const pfn = blocks.pfns[index];
  return pfn === undefined ? 'no block' : `pfn ${pfn} order ${blocks.orders[index]}`;
}

/** Which blocks above pageblock order are compared split: all of them, or those covering a highatomic pageblock. */
type CapRule = 'none' | 'all' | ((pfn: number, order: number) => boolean);

/** The free blocks equal `expected` (blocks the rule selects split at pageblock order on both sides). */
function compareBlocks(actual: FreeBlocks, expected: FreeBlocks, rule: CapRule, against: string): InvariantFailure | undefined {
  const cap = (blocks: FreeBlocks): FreeBlocks => (rule === 'none' ? blocks : capBlocks(blocks, PAGEBLOCK_ORDER, rule === 'all' ? undefined : rule));
  const a = cap(actual);
  const e = cap(expected);
  const index = firstDifference(a, e);
  if (index < 0) return undefined;
  return fail('end-state', `free blocks differ from ${against} at block ${index}: expected ${blockText(e, index)}, found ${blockText(a, index)}`, {
    expected: blockText(e, index), actual: blockText(a, index), expectedBlocks: e.pfns.length, actualBlocks: a.pfns.length,
  });
}

/** True when the block [pfn, pfn + 2^order) covers one of the (sorted) highatomic pageblocks. */
function coversAny(pageblocks: readonly number[]): (pfn: number, order: number) => boolean {
  return (pfn, order) => pageblocks.some((block) => block >= pfn && block < pfn + 2 ** order);
}

/**
 * The oracle proper; run after every handle was released (each free checked) and drainAllPages().
 * `bootBlocks` are the free blocks read right after boot.
 */
export function checkEndState(ctx: OpContext, bootBlocks: FreeBlocks): InvariantFailure | undefined {
  ctx.checks += 4;
  const allFree = checkAllFree(ctx) ?? checkStructure(ctx);
  if (allFree !== undefined) return allFree;
  const highatomic = checkPageblocks(ctx);
  if (!Array.isArray(highatomic)) return highatomic;
  const actual = readFreeBlocks(ctx.machine);
  const unreserved = ctx.machine.events.get('highatomic_unreserve') > 0;
  if (highatomic.length === 0 && !unreserved) return compareBlocks(actual, bootBlocks, 'none', 'the boot free blocks');
  const buddy = ctx.machine.buddy;
  const expected = mergedDecomposition({
    zones: ctx.machine.layout.banks,
    isFree: (pfn) => (ctx.facts.factsOf(pfn) & FACT_MANAGED) !== 0,
    migratetypeOf: (pfn) => buddy.pageblockMigratetype(pfn),
  }, MAX_PAGE_ORDER);
  const rule: CapRule = unreserved ? 'all' : coversAny(highatomic);
  return compareBlocks(actual, expected, rule, `the fully merged blocks (${highatomic.length} highatomic pageblocks${unreserved ? ', highatomic unreserved' : ''})`);
}
