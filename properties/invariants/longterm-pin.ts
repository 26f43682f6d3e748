// Kernel-reference invariant 23: a FOLL_LONGTERM pin of n pages pins exactly those n slots' pages, none in a CMA or ISOLATE pageblock or ZONE_MOVABLE; with the 2020 switch (pinning.longtermMigratesCma false) it pins them where they were, moving nothing.
import type { Pfn } from '../../src/base/units.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATETYPE_NAMES } from '../../src/mem/migratetype.ts';
import { FACT_CMA, FACT_MOVABLE_ZONE } from '../model/layout-facts.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** A successful pin as the check sees it. */
export interface PinOutcome {
  readonly requested: number;
  /** What the pin returned, in slot order. */
  readonly pfns: readonly Pfn[];
  /** What each slot maps now (read through UserMemory). */
  readonly slotPfns: readonly Pfn[];
  /** What each slot mapped before the pin. */
  readonly pfnsBefore: readonly Pfn[];
  /** longterm_pin_migrate events during the pin. */
  readonly migratedEvents: number;
}

/** Both kinds: the pin covers exactly the requested slots' current pages (6.3's M14 returned the request, not what was pinned). */
export function checkPinnedSlots(ctx: OpContext, outcome: PinOutcome): InvariantFailure | undefined {
  ctx.checks++;
  if (outcome.pfns.length !== outcome.requested) {
    return fail('longterm-pin', `the pin returned ${outcome.pfns.length} pages for ${outcome.requested} requested`, { expected: outcome.requested, actual: outcome.pfns.length });
  }
  const moved = outcome.pfns.findIndex((pfn, i) => pfn !== outcome.slotPfns[i]);
  if (moved < 0) return undefined;
  return fail('longterm-pin', `pinned page ${moved} is pfn ${outcome.pfns[moved]} but its slot maps ${outcome.slotPfns[moved]}`, { expected: outcome.slotPfns[moved], actual: outcome.pfns[moved] });
}

/**
 * Invariant 23 after a FOLL_LONGTERM pin: with the switch on, no pinned page lies in CMA (layout),
 * ZONE_MOVABLE (layout) or a pageblock that is CMA or ISOLATE now. With the switch off (the 2020
 * behaviour) the check is instead that nothing moved: every slot kept its page and no
 * longterm_pin_migrate event fired, so a pinned CMA page stays where cma_alloc will trip on it.
 */
export function checkLongtermPlacement(ctx: OpContext, outcome: PinOutcome, migratesCma: boolean): InvariantFailure | undefined {
  ctx.checks++;
  if (!migratesCma) {
    const moved = outcome.pfns.findIndex((pfn, i) => pfn !== outcome.pfnsBefore[i]);
    if (moved < 0 && outcome.migratedEvents === 0) return undefined;
    return fail('longterm-pin', `with pinning.longtermMigratesCma false the pin moved ${outcome.migratedEvents} pages (slot ${moved} ${outcome.pfnsBefore[moved]} → ${outcome.pfns[moved]})`, { expected: 'pinned in place', actual: { migrated: outcome.migratedEvents } });
  }
  const buddy = ctx.machine.buddy;
  for (const pfn of outcome.pfns) {
    const facts = ctx.facts.factsOf(pfn);
    const mt = buddy.pageblockMigratetype(pfn);
    if ((facts & (FACT_CMA | FACT_MOVABLE_ZONE)) === 0 && mt !== MIGRATE_CMA && mt !== MIGRATE_ISOLATE) continue;
    const where = (facts & FACT_CMA) !== 0 ? `CMA area ${ctx.facts.cmaAreaOf(pfn) ?? '?'}` : (facts & FACT_MOVABLE_ZONE) !== 0 ? 'ZONE_MOVABLE' : `a ${MIGRATETYPE_NAMES[mt]} pageblock`;
    return fail('longterm-pin', `FOLL_LONGTERM pinned pfn ${pfn} in ${where}`, { pfn, expected: 'not CMA, ISOLATE or ZONE_MOVABLE', actual: where });
  }
  return undefined;
}
