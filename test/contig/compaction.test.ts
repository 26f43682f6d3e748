// Compaction: rebuilding high-order free blocks from scattered user pages, as an explicit call and as the slow path's direct-compaction hook.
import { describe, expect, it } from 'vitest';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import type { OwnerId } from '../../src/mem/owners.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootDefault, expectSound, expectTagsIntact, tagAll } from './machine-fixtures.ts';

/** Fills memory with 8-page mappings, then unmaps every other one: plenty of free memory, no free block above order 3. */
function fragment(machine: Machine): OwnerId[] {
  const all: OwnerId[] = [];
  for (let i = 0; ; i++) {
    const owner = machine.owners.register('user', `m${i}`);
    if (!machine.user.mapPages(owner, 8).ok) break;
    all.push(owner);
  }
  const kept = all.filter((_, i) => i % 2 === 0);
  for (const [i, owner] of all.entries()) if (i % 2 === 1) machine.user.unmapPages(owner);
  machine.user.lruAddDrainAll();
  machine.buddy.drainAllPages();
  for (const owner of kept) tagAll(machine, owner);
  return kept;
}

function highestFreeOrder(machine: Machine): number {
  let highest = -1;
  for (let order = 0; order <= 10; order++) if (machine.buddy.nrFreeBlocks(0, order) > 0) highest = order;
  return highest;
}

describe('compaction', () => {
  it('migrates user pages from the bottom into free pages at the top until a free pageblock exists', () => {
    const machine = bootDefault('32M', '');
    const kept = fragment(machine);
    expect(highestFreeOrder(machine)).toBeLessThan(9);
    const outcome = machine.compaction.compact(9, GFP_KERNEL);
    expect(outcome.migratedPages).toBeGreaterThan(0);
    expect(outcome.blocksRebuilt).toBeGreaterThanOrEqual(1);
    expect(highestFreeOrder(machine)).toBeGreaterThanOrEqual(9);
    for (const owner of kept) expectTagsIntact(machine, owner);
    expectSound(machine);
  });

  it('is the slow path\'s direct-compaction hook: an order-9 kernel allocation succeeds in fragmented memory', () => {
    const machine = bootDefault('32M', '');
    fragment(machine);
    const got = machine.buddy.allocPages(GFP_KERNEL, 9, { owner: machine.owners.register('kernel', 'big') });
    expect(got.ok).toBe(true);
    expect(machine.events.get('compact_stall')).toBeGreaterThan(0);
    expectSound(machine);
  });

  it('reports success without migrating when a block of the order is already free', () => {
    const machine = bootDefault('32M', '');
    const zone = machine.buddy.zones[0];
    if (zone === undefined) throw new Error('no zone');
    expect(machine.compaction.compactZone(zone, 3)).toEqual({ migratedPages: 0, success: true, complete: false });
  });
});
