// CMA and alloc_contig_range benchmarks: cma_alloc/cma_release on an idle area and with movable pages in the way, alloc_contig_range with and without pages to migrate.
import { cmaAlloc, cmaRelease, type CmaArea, type CmaDeps } from '../src/cma/cma-area.ts';
import { createEnv } from '../src/env/env.ts';
import { defaultMachineConfig } from '../src/machine/config.ts';
import { Machine } from '../src/machine/machine.ts';
import { MIGRATE_MOVABLE } from '../src/mem/migratetype.ts';
import type { BenchRow } from './bench-row.ts';

function boot(memMiB: number, cmdline: string): Machine {
  const config = defaultMachineConfig({ memBytes: memMiB * 2 ** 20, cmdline });
  if (!config.ok) throw new Error(config.detail);
  const machine = Machine.create(config.value, createEnv('bench'));
  if (!machine.ok) throw new Error(machine.detail);
  return machine.value;
}

function reservedArea(machine: Machine): CmaArea {
  const area = machine.cma.area('reserved');
  if (area === undefined) throw new Error('no reserved area');
  return area;
}

function perSecond(count: number, startedMs: number): number {
  return Math.round(count / ((performance.now() - startedMs) / 1000));
}

/** cma_alloc + cma_release pairs of `pageCount` pages (aligned to their order) on an idle 16 MiB area. */
function idleCmaPairs(pageCount: number, alignOrder: number): number {
  const machine = boot(256, 'cma=16M');
  const area = reservedArea(machine);
  const deps: CmaDeps = { contig: machine.contig, events: machine.events };
  const pairs = 2000;
  const started = performance.now();
  for (let i = 0; i < pairs; i++) {
    const pfn = cmaAlloc(area, deps, { pageCount, alignOrder });
    if (!pfn.ok) throw new Error(pfn.detail);
    cmaRelease(area, deps, pfn.value, pageCount);
  }
  return perSecond(pairs, started);
}

/**
 * cma_alloc of a whole 32 MiB area while movable user pages fill part of it (64 MiB machine, so movable
 * allocations use CMA first), then release; the pages are re-faulted into CMA between rounds (not timed).
 */
function busyCmaArea(): { allocsPerSecond: number; pagesPerSecond: number } {
  const machine = boot(64, 'cma=32M');
  const area = reservedArea(machine);
  const deps: CmaDeps = { contig: machine.contig, events: machine.events };
  const rounds = 20;
  let timedMs = 0;
  let migrated = 0;
  for (let round = 0; round < rounds; round++) {
    const owner = machine.owners.register('user', `bench${round}`);
    if (!machine.user.mapPages(owner, 3000).ok) throw new Error('map failed');
    machine.user.lruAddDrainAll();
    const before = machine.events.get('pgmigrate_success');
    const started = performance.now();
    const pfn = cmaAlloc(area, deps, { pageCount: area.pageCount, alignOrder: 0 });
    timedMs += performance.now() - started;
    if (!pfn.ok) throw new Error(pfn.detail);
    migrated += machine.events.get('pgmigrate_success') - before;
    cmaRelease(area, deps, pfn.value, area.pageCount);
    machine.user.unmapPages(owner);
    machine.buddy.drainAllPages();
  }
  return { allocsPerSecond: Math.round(rounds / (timedMs / 1000)), pagesPerSecond: Math.round(migrated / (timedMs / 1000)) };
}

/** alloc_contig_range + free_contig_range of one MOVABLE pageblock, over blocks that are free or hold user pages. */
function contigRangePairs(withUserPages: boolean): { pairsPerSecond: number; pagesPerSecond: number } {
  const machine = boot(256, '');
  const caller = machine.owners.register('contig', 'bench');
  if (withUserPages) {
    const owner = machine.owners.register('user', 'bench');
    if (!machine.user.mapPages(owner, 30_000).ok) throw new Error('map failed');
    machine.user.lruAddDrainAll();
  }
  const firstBlock = 4096;
  const blocks = 40;
  const before = machine.events.get('pgmigrate_success');
  const started = performance.now();
  for (let i = 0; i < blocks; i++) {
    const pfn = firstBlock + i * 512;
    const got = machine.contig.allocContigRange(pfn, pfn + 512, MIGRATE_MOVABLE, 'normal', caller);
    if (!got.ok) throw new Error(got.detail);
    machine.contig.freeContigRange(pfn, 512);
  }
  const seconds = (performance.now() - started) / 1000;
  return { pairsPerSecond: Math.round(blocks / seconds), pagesPerSecond: Math.round((machine.events.get('pgmigrate_success') - before) / seconds) };
}

/** Runs every contig/CMA benchmark and returns the measurements. */
export async function benchContig(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  idleCmaPairs(16, 4);
  rows.push({ name: 'cma_alloc+release 16 pages idle', value: idleCmaPairs(16, 4), unit: 'pairs/s', note: '256M, cma=16M, align 4' });
  rows.push({ name: 'cma_alloc+release 512 pages idle', value: idleCmaPairs(512, 9), unit: 'pairs/s', note: '256M, cma=16M, align 9' });
  await Promise.resolve();
  const busy = busyCmaArea();
  rows.push({ name: 'cma_alloc whole 32M area, movable in the way', value: busy.allocsPerSecond, unit: 'allocs/s', note: '64M, cma=32M, 3000 user pages mapped' });
  rows.push({ name: 'cma_alloc migration rate', value: busy.pagesPerSecond, unit: 'pages/s', note: 'pages migrated out of CMA' });
  await Promise.resolve();
  const idle = contigRangePairs(false);
  rows.push({ name: 'alloc_contig_range+free 512 pages idle', value: idle.pairsPerSecond, unit: 'pairs/s', note: 'MIGRATE_MOVABLE, 256M' });
  const busyRange = contigRangePairs(true);
  rows.push({ name: 'alloc_contig_range+free 512 pages, movable', value: busyRange.pairsPerSecond, unit: 'pairs/s', note: '30000 user pages mapped' });
  rows.push({ name: 'alloc_contig_range migration rate', value: busyRange.pagesPerSecond, unit: 'pages/s', note: 'pages migrated out of the range' });
  return rows;
}
