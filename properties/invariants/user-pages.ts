// User mappings against the machine: each slot's page (read through UserMemory) is allocated to the mapping's owner with the content the model expects and the references it predicts; pages munmap or unpin let go are back in the allocator.
import type { PageCount, Pfn } from '../../src/base/units.ts';
import type { OwnerId } from '../../src/mem/owners.ts';
import { PAGE_ALLOCATED, PAGE_STATE_NAMES } from '../../src/mem/page-state.ts';
import type { ModelMapping, UserModel } from '../model/user-model.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** Whether a page waits in `cpu`'s LRU-add batch now. */
export type PendingTest = (cpu: number, pfn: Pfn) => boolean;

function stateName(state: number): string {
  return PAGE_STATE_NAMES[state] ?? String(state);
}

/**
 * Slots [slotStart, slotStart + count) of `mapping`: each maps a page allocated to the owner whose
 * content is the tag the model expects; with `refs`, its refcount is 1 (the mapping) + 1 while in an
 * LRU-add batch + one per pin, and its pin count the FOLL_LONGTERM pins covering it.
 */
export function checkSlots(ctx: OpContext, mapping: ModelMapping, slotStart: number, count: number, refs?: PendingTest): InvariantFailure | undefined {
  ctx.checks++;
  const { user, buddy } = ctx.machine;
  const table = buddy.table;
  for (let slot = slotStart; slot < slotStart + count; slot++) {
    const pfn = user.pfnOf(mapping.owner, slot);
    const index = table.pageIndex(pfn);
    const tag = mapping.tags[slot] as number;
    if (table.state[index] !== PAGE_ALLOCATED || table.owner[index] !== mapping.owner || table.content[index] !== tag) {
      return fail('user-pages', `slot ${slot} of map#${mapping.id} maps pfn ${pfn}: ${stateName(table.state[index] as number)}, owner ${table.owner[index]}, tag ${table.content[index]}`, {
        pfn, expected: { owner: mapping.owner, tag }, actual: { state: stateName(table.state[index] as number), owner: table.owner[index], tag: table.content[index] },
      });
    }
    if (refs === undefined) continue;
    const expected = 1 + (refs(mapping.cpu, pfn) ? 1 : 0) + (mapping.pinRefs[slot] as number);
    const longterm = mapping.longtermRefs[slot] as number;
    if (table.refcount[index] === expected && table.pinCount[index] === longterm) continue;
    return fail('user-pages', `slot ${slot} of map#${mapping.id} (pfn ${pfn}) has refcount ${table.refcount[index]} and ${table.pinCount[index]} long-term pins`, {
      pfn, expected: { refcount: expected, longtermPins: longterm }, actual: { refcount: table.refcount[index], longtermPins: table.pinCount[index] },
    });
  }
  return undefined;
}

/** Every live mapping's slots (content and owner; references too with `refs`). O(mapped pages). */
export function checkAllMappings(ctx: OpContext, model: UserModel, refs?: PendingTest): InvariantFailure | undefined {
  for (const mapping of model.mappings) {
    const failure = checkSlots(ctx, mapping, 0, mapping.pageCount, refs);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/** Pages nothing holds any more (after munmap, unpin or a drain) are no longer allocated to their old owner. */
export function checkReleasedUserPages(ctx: OpContext, pfns: readonly Pfn[], owner: OwnerId, why: string): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  for (const pfn of pfns) {
    const index = table.pageIndex(pfn);
    if (table.state[index] !== PAGE_ALLOCATED || table.owner[index] !== owner) continue;
    return fail('user-pages', `pfn ${pfn} is still allocated to owner ${owner} (refcount ${table.refcount[index]}) after ${why}`, { pfn, expected: 'freed', actual: `allocated, refcount ${table.refcount[index]}` });
  }
  return undefined;
}

/**
 * The audit's reverse direction: every page allocated to a harness mapping owner is a slot of that
 * live mapping (through the reverse map) or a held orphan, and each live mapping has exactly
 * pageCount such pages (so no two slots share a page). O(memory).
 */
export function checkUserOwnership(ctx: OpContext, model: UserModel, heldOrphans: ReadonlySet<Pfn>): InvariantFailure | undefined {
  ctx.checks++;
  const { user, buddy } = ctx.machine;
  const table = buddy.table;
  const found = new Map<OwnerId, PageCount>();
  for (let index = 0; index < table.pageCount; index++) {
    if (table.state[index] !== PAGE_ALLOCATED) continue;
    const owner = table.owner[index] as number;
    if (!model.owners.has(owner)) continue;
    const pfn = table.pfnOf(index);
    if (heldOrphans.has(pfn) && model.orphans.get(pfn)?.owner === owner) continue;
    const where = user.rmap(pfn);
    const mapping = model.mappingOfOwner(owner);
    if (where === undefined || mapping === undefined) {
      return fail('user-pages', `pfn ${pfn} is allocated to user owner ${owner} but is neither a slot of a live mapping nor a pinned or batched page of an unmapped one (leaked)`, { pfn, expected: 'a slot or a held orphan', actual: `owner ${owner}` });
    }
    found.set(owner, (found.get(owner) ?? 0) + 1);
  }
  for (const mapping of model.mappings) {
    const pages = found.get(mapping.owner) ?? 0;
    if (pages !== mapping.pageCount) return fail('user-pages', `map#${mapping.id} has ${mapping.pageCount} slots but ${pages} pages`, { expected: mapping.pageCount, actual: pages });
  }
  return undefined;
}

/** Held orphans are still allocated to their owner with their tag and the references the model predicts. */
export function checkOrphans(ctx: OpContext, model: UserModel, refs: PendingTest): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  for (const [pfn, orphan] of model.orphans) {
    const pending = refs(orphan.cpu, pfn);
    if (orphan.pinRefs === 0 && !pending) continue;
    const index = table.pageIndex(pfn);
    const expected = orphan.pinRefs + (pending ? 1 : 0);
    if (table.state[index] === PAGE_ALLOCATED && table.owner[index] === orphan.owner && table.content[index] === orphan.tag && table.refcount[index] === expected && table.pinCount[index] === orphan.longtermRefs) continue;
    return fail('user-pages', `unmapped pfn ${pfn} of owner ${orphan.owner} (held by ${orphan.pinRefs} pins${pending ? ' and an LRU-add batch' : ''}) is ${stateName(table.state[index] as number)}, owner ${table.owner[index]}, tag ${table.content[index]}, refcount ${table.refcount[index]}`, {
      pfn, expected: { owner: orphan.owner, tag: orphan.tag, refcount: expected, longtermPins: orphan.longtermRefs }, actual: { owner: table.owner[index], tag: table.content[index], refcount: table.refcount[index], longtermPins: table.pinCount[index] },
    });
  }
  return undefined;
}
