// Audit points (every N ops and at the end): the structural checker over the whole allocator, and a full page-by-page cross-check of the model against the page table.
import { checkBuddy } from '../../src/debug/check-buddy.ts';
import { PAGE_ALLOCATED, PAGE_STATE_NAMES, PG_HEAD } from '../../src/mem/page-state.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';
import { auditLayers } from './layers.ts';

/** checkBuddy finds nothing (free lists, counters, per-CPU lists, merging, allocation heads; O(memory)). */
export function checkStructure(ctx: OpContext): InvariantFailure | undefined {
  ctx.checks++;
  const violations = checkBuddy(ctx.machine.buddy);
  if (violations.length === 0) return undefined;
  return fail('structural', `${violations.length} structural violation${violations.length === 1 ? '' : 's'}: ${violations[0]}`, { violations: violations.slice(0, 10) });
}

/**
 * Every page the model gives to a live handle is PAGE_ALLOCATED to that handle's owner (with
 * PG_HEAD on the handle's head), and every page the allocator holds for a harness owner belongs to
 * a live handle (a leaked tail shows up here). Pages of other owners belong to other layers' models.
 */
export function checkModelAgreement(ctx: OpContext): InvariantFailure | undefined {
  ctx.checks++;
  const { model } = ctx;
  const table = ctx.machine.buddy.table;
  for (let pfn = model.pfnBase; pfn < model.pfnEnd; pfn++) {
    const index = table.pageIndex(pfn);
    const handle = model.ownerOf(pfn);
    const state = table.state[index] as number;
    if (handle === undefined) {
      if (state === PAGE_ALLOCATED && model.harnessOwners.has(table.owner[index] as number)) {
        return fail('model-agreement', `pfn ${pfn} is allocated to harness owner ${table.owner[index]} but no live allocation holds it (leaked)`, { pfn, expected: 'not allocated', actual: `allocated to ${table.owner[index]}` });
      }
      continue;
    }
    if (state !== PAGE_ALLOCATED || table.owner[index] !== handle.owner) {
      return fail('model-agreement', `pfn ${pfn} of #${handle.id} is ${PAGE_STATE_NAMES[state] ?? state} (owner ${table.owner[index]})`, { pfn, expected: `allocated to ${handle.owner}`, actual: `${PAGE_STATE_NAMES[state] ?? state} owner ${table.owner[index]}` });
    }
    if (pfn === handle.pfn && ((table.flags[index] as number) & PG_HEAD) === 0) {
      return fail('model-agreement', `pfn ${pfn} heads #${handle.id} but is not an allocation head`, { pfn });
    }
  }
  return undefined;
}

/** Both audits, structural first, then every registered model layer's own (layers.ts). */
export function auditMachine(ctx: OpContext): InvariantFailure | undefined {
  return checkStructure(ctx) ?? checkModelAgreement(ctx) ?? auditLayers(ctx);
}
