// The chunk heap (not merged; Hyesoo Yu / Minchan Kim 2020-2021): exactly ceil(len / chunk) aligned chunks (invariant 44), cma_alloc_bulk FAST then NORMAL, all or nothing, per-chunk release, zeroed pages, registration only on a CMA area.
import { describe, expect, it } from 'vitest';
import { ChunkHeap, chunkOrderOf, createChunkHeap } from '../../src/heaps/chunk-heap.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { createMachineTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';
import { runTrace } from '../../src/trace/run.ts';
import { formatTranscript } from '../../src/trace/transcript.ts';
import { bootRaw, expectSound, mapUser, slotIn } from '../contig/machine-fixtures.ts';
import { alloc, freePages, KiB, MiB, readsZero, RDWR_CLOEXEC, scribble } from './heap-fixtures.ts';

/** 32 MiB with cma=16M (free CMA pages outnumber the others: movable faults land in CMA first) and a 64 KiB chunk heap. */
function machineWithChunkHeap(chunkSize: string | number = '64K', extra: Record<string, unknown> = {}): Machine {
  return bootRaw({
    banks: [{ name: 'dram0', base: 0, size: '32M', zone: 'Normal' }],
    cmdline: 'cma=16M',
    heaps: { chunk: [{ name: 'chunk', area: 'reserved', chunkSize }] },
    ...extra,
  });
}

function chunkHeap(machine: Machine): ChunkHeap {
  const heap = machine.heaps.get('chunk');
  if (!(heap instanceof ChunkHeap)) throw new Error('no chunk heap');
  return heap;
}

/** Pages anywhere in memory that belong to the heap named `name`. */
function pagesOwnedByHeap(machine: Machine, name: string): number {
  const table = machine.buddy.table;
  let pages = 0;
  for (let index = 0; index < table.owner.length; index++) {
    const owner = table.owner[index] as number;
    if (owner !== 0 && machine.owners.kindOf(owner) === 'heap' && machine.owners.labelOf(owner) === name) pages++;
  }
  return pages;
}

function tryAlloc(machine: Machine, lenBytes: number): string {
  const buf = machine.heaps.dmaHeapIoctlAlloc('chunk', { lenBytes: BigInt(lenBytes), fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
  if (!buf.ok) return buf.errno;
  buf.value.close();
  return 'ok';
}

describe('invariant 44: chunks', () => {
  it.each([
    ['4K chunks', 4096, [1, 4096, 4097, 100 * KiB]],
    ['64K chunks (order 4)', '64K', [1, 64 * KiB, 64 * KiB + 1, MiB, 3 * MiB + 5]],
    ['2M chunks (order 9)', '2M', [1, 2 * MiB + 1, 6 * MiB]],
  ] as const)('%s: exactly ceil(len / chunk) chunks of 2^order pages, each aligned, inside the area, disjoint', (_name, chunkSize, lens) => {
    const machine = machineWithChunkHeap(chunkSize);
    const heap = chunkHeap(machine);
    const area = heap.area;
    const chunkBytes = heap.chunkSizeBytes;
    for (const len of lens) {
      const buf = alloc(machine, 'chunk', len);
      const count = Math.ceil(len / chunkBytes);
      expect(buf.sizeBytes).toBe(count * chunkBytes);
      expect(buf.chunks.length).toBe(count);
      const starts = new Set<number>();
      for (const chunk of buf.chunks) {
        expect(chunk.order).toBe(heap.order);
        expect(chunk.pfn % 2 ** heap.order).toBe(0);
        expect(chunk.pfn >= area.basePfn && chunk.pfn + 2 ** heap.order <= area.pfnEnd).toBe(true);
        starts.add(chunk.pfn);
      }
      expect(starts.size).toBe(count);
      expect(area.bitmap.usedPages()).toBe(count * 2 ** heap.order);
      expect(readsZero(buf)).toBe(true);
      buf.close();
      expect(area.bitmap.usedPages()).toBe(0);
    }
    expectSound(machine);
  });

  it('the chunk order is log2(chunkSize / 4K)', () => {
    expect([4096, 8192, 65536, 2 ** 21, 2 ** 22].map(chunkOrderOf)).toEqual([0, 1, 4, 9, 10]);
    expect(() => chunkOrderOf(3 * 4096)).toThrow();
  });

  it('release gives back every chunk with one cma_release each; pages are zero for the next buffer', () => {
    const machine = machineWithChunkHeap();
    const first = alloc(machine, 'chunk', MiB);
    scribble(first);
    const pfns = first.chunks.map((chunk) => chunk.pfn);
    const releases = machine.events.get('cma_release');
    first.close();
    expect(machine.events.get('cma_release') - releases).toBe(16);
    const second = alloc(machine, 'chunk', MiB);
    expect(second.chunks.map((chunk) => chunk.pfn)).toEqual(pfns);
    expect(readsZero(second)).toBe(true);
  });
});

describe('FAST, then NORMAL, all or nothing', () => {
  it('an idle area is served by the FAST call alone', () => {
    const machine = machineWithChunkHeap();
    const buf = alloc(machine, 'chunk', 16 * MiB);
    expect(pagesOwnedByHeap(machine, 'chunk')).toBe(4096);
    buf.close();
    expect(pagesOwnedByHeap(machine, 'chunk')).toBe(0);
    expect(chunkHeap(machine).stats).toEqual({ allocations: 1, failures: 0, fastChunks: 256, normalChunks: 0 });
  });

  it('FAST fails on a range whose page is busy once (a transient pin), NORMAL retries migration and gets it', () => {
    const machine = machineWithChunkHeap();
    const owner = mapUser(machine, 2000);
    expect(machine.user.pagesInCma(owner)).toBeGreaterThan(0);
    machine.env.faults.arm('transient_pin', 1);
    const buf = alloc(machine, 'chunk', 16 * MiB);
    expect(buf.chunks.length).toBe(256);
    // One FAST range (a pageblock, 32 chunks) hit the transient pin: one migration try in FAST mode.
    expect(chunkHeap(machine).stats).toEqual({ allocations: 1, failures: 0, fastChunks: 224, normalChunks: 32 });
    expect(machine.user.pagesInCma(owner)).toBe(0);
    expect(readsZero(buf)).toBe(true);
    buf.close();
    expectSound(machine);
  });

  it('a short-term pinned page in the area makes FAST and NORMAL fail on its pageblock: ENOMEM and no chunk kept', () => {
    const machine = machineWithChunkHeap();
    const area = chunkHeap(machine).area;
    const owner = mapUser(machine, 2000);
    const slot = slotIn(machine, owner, area.basePfn, area.pfnEnd);
    expect(machine.pins.pin(owner, slot, 1, 'shortterm').ok).toBe(true);
    const before = { free: freePages(machine), released: area.nrPagesReleased };
    expect(tryAlloc(machine, 16 * MiB)).toBe('ENOMEM');
    const stats = chunkHeap(machine).stats;
    expect(stats.failures).toBe(1);
    expect(stats.fastChunks).toBe(224);
    expect(stats.normalChunks).toBe(0);
    expect(area.bitmap.usedPages()).toBe(0);
    expect(Number(area.nrPagesReleased - before.released)).toBe(224 * 16);
    expect(pagesOwnedByHeap(machine, 'chunk')).toBe(0);
    // The pages taken and given back are free again (migrated user pages stay where they went, as in Linux).
    expect(freePages(machine)).toBe(before.free);
    expect(tryAlloc(machine, 14 * MiB)).toBe('ok');
    expectSound(machine);
  });

  it('with the 2020 pinning switch a long-term pin stays in CMA and blocks its pageblock the same way', () => {
    const machine = machineWithChunkHeap('64K', { pinning: { longtermMigratesCma: false } });
    const area = chunkHeap(machine).area;
    const owner = mapUser(machine, 2000);
    const slot = slotIn(machine, owner, area.basePfn, area.pfnEnd);
    const pin = machine.pins.pin(owner, slot, 1, 'longterm');
    expect(pin.ok && pin.value.migratedPages).toBe(0);
    expect(tryAlloc(machine, 16 * MiB)).toBe('ENOMEM');
    expect(area.bitmap.usedPages()).toBe(0);
  });

  it('more chunks than the area holds, or a len that wraps in ALIGN, is ENOMEM before anything is taken', () => {
    const machine = machineWithChunkHeap();
    const hash = machine.stateHash();
    expect(tryAlloc(machine, 16 * MiB + 1)).toBe('ENOMEM');
    const wrapped = machine.heaps.dmaHeapIoctlAlloc('chunk', { lenBytes: 2n ** 64n - 4096n, fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(wrapped.ok ? 'ok' : wrapped.errno).toBe('ENOMEM');
    expect(machine.stateHash()).toBe(hash);
    expect(chunkHeap(machine).stats.failures).toBe(2);
  });
});

describe('through the trace language', () => {
  it('dma-heap-alloc reports ALIGN(len, chunk) as the size; sim heap-alloc shows the chunks', () => {
    const t = createMachineTarget(machineWithChunkHeap());
    const loaded = loadTrace(['dma-heap-alloc chunk 1', 'dma-heap-alloc chunk 65537', 'dma-heap-alloc chunk 16777217', 'sim heap-alloc chunk 1M as=c', 'sim heaps'].join('\n'), 't.trace', t.sim);
    if (!loaded.ok) throw new Error(loaded.detail);
    expect(formatTranscript(runTrace(loaded.value, t), 'annotated').stdout.trimEnd().split('\n')).toEqual([
      '1 ok len=65536 zero=1',
      '2 ok len=131072 zero=1',
      '3 err ENOMEM',
      '4 ok c len=1048576 chunks=16 orders=4:16',
      '5 system reserved chunk',
    ]);
  });
});

describe('registration', () => {
  it('fails without a CMA area (EINVAL), as the DT probe refuses a region that is not CMA', () => {
    const machine = machineWithChunkHeap();
    const env = { buddy: machine.buddy, owners: machine.owners, events: machine.events, faults: machine.env.faults };
    const deps = { contig: machine.contig, events: machine.events, buddy: machine.buddy, user: machine.user };
    const missing = createChunkHeap({ name: 'c2', area: 'nosuch', chunkSizeBytes: 65536 }, machine.cma.area('nosuch'), env, deps);
    expect(missing.ok ? 'ok' : missing.errno).toBe('EINVAL');
    expect(createChunkHeap({ name: 'c2', area: 'reserved', chunkSizeBytes: 65536 }, machine.cma.defaultArea, env, deps).ok).toBe(true);
  });

  it('heaps register in a fixed order: system family, CMA heaps, chunk heaps (config order), CPA heaps', () => {
    const machine = bootRaw({
      banks: [{ name: 'dram0', base: 0, size: '256M', zone: 'Normal' }],
      cmdline: 'cma=16M',
      cma: { areas: [{ name: 'video', size: '16M' }] },
      devices: [{ name: 'mfc', cma: ['video'], exportHeap: true }],
      heaps: {
        system: { variants: [{ name: 'system-uncached', caching: 'uncached' }] },
        cpa: [{ name: 'cpa', lowmark: 0, fillmark: 0, highmark: 0 }],
        chunk: [{ name: 'chunk-video', area: 'video', chunkSize: '64K' }, { name: 'chunk', area: 'reserved', chunkSize: '2M' }],
      },
    });
    expect(machine.heaps.names()).toEqual(['system', 'system-uncached', 'reserved', 'video', 'chunk-video', 'chunk', 'cpa']);
    const chunkVideo = machine.heaps.get('chunk-video');
    expect(chunkVideo instanceof ChunkHeap && chunkVideo.area.name).toBe('video');
  });
});
