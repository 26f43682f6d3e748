// Test fixtures for the contig and CMA layers: booted machines from small configs, user mappings, and page-state probes.
import { expect } from 'vitest';
import type { Pfn } from '../../src/base/units.ts';
import { checkBuddy } from '../../src/debug/check-buddy.ts';
import { createEnv } from '../../src/env/env.ts';
import { defaultMachineConfig, parseMachineConfig } from '../../src/machine/config.ts';
import { Machine } from '../../src/machine/machine.ts';
import type { OwnerId } from '../../src/mem/owners.ts';

/** Pages per pageblock. */
export const PB = 512;

/** Boots a one-bank machine of `mem` with `cmdline` (the sim defaults: 256M, cma=16M). */
export function bootDefault(mem = '256M', cmdline = 'cma=16M', seed = 'test'): Machine {
  const bytes = Number.parseInt(mem, 10) * 2 ** (mem.endsWith('G') ? 30 : 20);
  const config = defaultMachineConfig({ memBytes: bytes, cmdline });
  if (!config.ok) throw new Error(config.detail);
  return boot(config.value, seed);
}

/** Boots a machine from a raw JSON-like config. */
export function bootRaw(raw: unknown, seed = 'test'): Machine {
  const config = parseMachineConfig(raw, 'test.json');
  if (!config.ok) throw new Error(config.detail);
  return boot(config.value, seed);
}

function boot(config: Parameters<typeof Machine.create>[0], seed: string): Machine {
  const machine = Machine.create(config, createEnv(seed), 'test');
  if (!machine.ok) throw new Error(machine.detail);
  return machine.value;
}

/** Maps `pages` user pages for a new owner and drains the LRU-add batches; returns the owner. */
export function mapUser(machine: Machine, pages: number, label = 'proc'): OwnerId {
  const owner = machine.owners.register('user', label);
  const mapped = machine.user.mapPages(owner, pages);
  if (!mapped.ok) throw new Error(mapped.detail);
  machine.user.lruAddDrainAll();
  return owner;
}

/** Every PFN of `owner`'s mapping, in slot order. */
export function pfnsOf(machine: Machine, owner: OwnerId): Pfn[] {
  const pageCount = machine.user.mapping(owner)?.pageCount ?? 0;
  return Array.from({ length: pageCount }, (_, slot) => machine.user.pfnOf(owner, slot));
}

/** The slot of `owner`'s mapping whose page lies in [pfnStart, pfnEnd), lowest PFN first; throws when none does. */
export function slotIn(machine: Machine, owner: OwnerId, pfnStart: Pfn, pfnEnd: Pfn): number {
  const pfns = pfnsOf(machine, owner);
  let best = -1;
  for (const [slot, pfn] of pfns.entries()) {
    if (pfn >= pfnStart && pfn < pfnEnd && (best < 0 || pfn < (pfns[best] as number))) best = slot;
  }
  if (best < 0) throw new Error(`no page of owner ${owner} in [${pfnStart}, ${pfnEnd})`);
  return best;
}

/** Writes tag 1000 + slot into every page of the mapping. */
export function tagAll(machine: Machine, owner: OwnerId): void {
  const pageCount = machine.user.mapping(owner)?.pageCount ?? 0;
  for (let slot = 0; slot < pageCount; slot++) machine.user.write(owner, slot, 1000 + slot);
}

/** Asserts every page still reads its tag 1000 + slot. */
export function expectTagsIntact(machine: Machine, owner: OwnerId): void {
  const pageCount = machine.user.mapping(owner)?.pageCount ?? 0;
  const wrong: number[] = [];
  for (let slot = 0; slot < pageCount; slot++) if (machine.user.read(owner, slot) !== 1000 + slot) wrong.push(slot);
  expect(wrong).toEqual([]);
}

/** Asserts the structural checker finds nothing. */
export function expectSound(machine: Machine): void {
  expect(checkBuddy(machine.buddy)).toEqual([]);
}

/** Allocates kernel order-0 pages until the allocator refuses; returns them. */
export function exhaustKernel(machine: Machine, gfp: number): Pfn[] {
  const owner = machine.owners.register('kernel', 'filler');
  const pfns: Pfn[] = [];
  for (;;) {
    const got = machine.buddy.allocPages(gfp, 0, { owner });
    if (!got.ok) return pfns;
    pfns.push(got.value);
  }
}
