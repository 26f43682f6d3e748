// dma-buf heap benchmarks: the system heap in the style of seed 003's dmabuf-heap-bench (allocation and release latency for 4 KiB, 1 MiB, 8 MiB and 32 MiB buffers, mainline vs page pools vs pools with deferred freeing, and where the simulated page zeroing happens), and chunk-heap throughput on an idle and on a fragmented CMA area.
//
// The latencies are the simulator's own cost (wall time of simulated work on this host), not a
// prediction of kernel latency. The meaningful comparison is the zeroing work each configuration
// leaves on the allocation path versus what it moves to release or to the background worker.
import { createEnv } from '../src/env/env.ts';
import { ChunkHeap } from '../src/heaps/chunk-heap.ts';
import { SystemHeap } from '../src/heaps/system-heap.ts';
import { parseMachineConfig } from '../src/machine/config.ts';
import { Machine } from '../src/machine/machine.ts';
import { MemoryHog } from '../src/reclaim/hog.ts';
import type { BenchRow } from './bench-row.ts';

const KiB = 1024;
const MiB = 2 ** 20;

const SIZES: readonly { label: string; bytes: number; iterations: number }[] = [
  { label: '4K', bytes: 4 * KiB, iterations: 5000 },
  { label: '1M', bytes: MiB, iterations: 2000 },
  { label: '8M', bytes: 8 * MiB, iterations: 400 },
  { label: '32M', bytes: 32 * MiB, iterations: 100 },
];

const CONFIGS: readonly { label: string; system: Record<string, unknown> }[] = [
  { label: 'mainline', system: {} },
  { label: 'pools', system: { pool: 'shrinker' } },
  { label: 'pools+deferred', system: { pool: 'shrinker', deferredFree: true, zeroBudgetPerTick: '64M' } },
];

function boot(system: Record<string, unknown>): Machine {
  const config = parseMachineConfig({ banks: [{ name: 'dram0', base: 0, size: '512M', zone: 'Normal' }], heaps: { system } }, 'bench');
  if (!config.ok) throw new Error(config.detail);
  const machine = Machine.create(config.value, createEnv('bench-heaps'));
  if (!machine.ok) throw new Error(machine.detail);
  return machine.value;
}

interface Measured {
  allocNs: number;
  releaseNs: number;
  zeroedInAlloc: number;
  zeroedInRelease: number;
  zeroedInWorker: number;
  poolHitPages: number;
}

/** One allocate/close/tick cycle; returns [alloc ns, release ns]. */
function cycle(machine: Machine, bytes: number): [number, number] {
  const started = performance.now();
  const buf = machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: BigInt(bytes), fdFlags: 0x80002, heapFlags: 0n });
  const allocated = performance.now();
  if (!buf.ok) throw new Error(`${buf.errno}: ${buf.detail}`);
  buf.value.close();
  const released = performance.now();
  machine.tick();
  return [(allocated - started) * 1e6, (released - allocated) * 1e6];
}

function measure(system: Record<string, unknown>, bytes: number, iterations: number): Measured {
  const machine = boot(system);
  const heap = machine.heaps.get('system');
  if (!(heap instanceof SystemHeap)) throw new Error('no system heap');
  for (let i = 0; i < Math.min(iterations, 200); i++) cycle(machine, bytes);
  const stats = heap.stats;
  const base = { alloc: stats.zeroedInAllocPages, release: stats.zeroedInReleasePages, worker: stats.zeroedInWorkerPages, hits: stats.poolHitPages };
  let allocNs = 0;
  let releaseNs = 0;
  for (let i = 0; i < iterations; i++) {
    const [a, r] = cycle(machine, bytes);
    allocNs += a;
    releaseNs += r;
  }
  return {
    allocNs: allocNs / iterations,
    releaseNs: releaseNs / iterations,
    zeroedInAlloc: (stats.zeroedInAllocPages - base.alloc) / iterations,
    zeroedInRelease: (stats.zeroedInReleasePages - base.release) / iterations,
    zeroedInWorker: (stats.zeroedInWorkerPages - base.worker) / iterations,
    poolHitPages: (stats.poolHitPages - base.hits) / iterations,
  };
}

/** A 128 MiB machine with cma=64M (free CMA pages outnumber the rest, so movable faults land in CMA) and a 64 KiB chunk heap on it. */
function bootChunk(): Machine {
  const raw = { banks: [{ name: 'dram0', base: 0, size: '128M', zone: 'Normal' }], cmdline: 'cma=64M', heaps: { chunk: [{ name: 'chunk', area: 'reserved', chunkSize: '64K' }] } };
  const config = parseMachineConfig(raw, 'bench');
  if (!config.ok) throw new Error(config.detail);
  const machine = Machine.create(config.value, createEnv('bench-chunk'));
  if (!machine.ok) throw new Error(machine.detail);
  return machine.value;
}

interface ChunkThroughput {
  allocsPerSecond: number;
  mibPerSecond: number;
  normalShare: number;
  migratedPerAlloc: number;
}

/**
 * Times `rounds` chunk-heap allocations of `bytes` (release untimed). With `fragment`, before each
 * round a hog faults in 12000 movable pages (about half land in CMA) and short-term pins 0.1% of
 * them; the hog goes away after the round, so every round sees the same kind of fragmentation.
 */
function chunkThroughput(bytes: number, rounds: number, fragment: boolean): ChunkThroughput {
  const machine = bootChunk();
  const heap = machine.heaps.get('chunk');
  if (!(heap instanceof ChunkHeap)) throw new Error('no chunk heap');
  let timedMs = 0;
  const migratedBefore = machine.events.get('pgmigrate_success');
  for (let round = 0; round < rounds; round++) {
    const hog = new MemoryHog(`bench${round}`, { user: machine.user, pins: machine.pins, owners: machine.owners, table: machine.buddy.table, rng: machine.env.rng.fork(`bench${round}`) });
    if (fragment && !hog.grow(12_000, { pinnedFraction: 0.001 }).ok) throw new Error('hog grow failed');
    const started = performance.now();
    const buf = machine.heaps.dmaHeapIoctlAlloc('chunk', { lenBytes: BigInt(bytes), fdFlags: 0x80002, heapFlags: 0n });
    timedMs += performance.now() - started;
    if (!buf.ok) throw new Error(`${buf.errno}: ${buf.detail}`);
    buf.value.close();
    hog.release();
    machine.user.lruAddDrainAll();
  }
  const seconds = timedMs / 1000;
  const { fastChunks, normalChunks } = heap.stats;
  return {
    allocsPerSecond: Math.round(rounds / seconds),
    mibPerSecond: Math.round((rounds * bytes) / MiB / seconds),
    normalShare: normalChunks / (fastChunks + normalChunks),
    migratedPerAlloc: Math.round((machine.events.get('pgmigrate_success') - migratedBefore) / rounds),
  };
}

/** Chunk-heap throughput rows: 16 MiB buffers of 64 KiB chunks, idle area and fragmented area. */
function benchChunkHeap(): BenchRow[] {
  chunkThroughput(16 * MiB, 5, false);
  const idle = chunkThroughput(16 * MiB, 100, false);
  const busy = chunkThroughput(16 * MiB, 20, true);
  const note = '128M, cma=64M, 64K chunks, 16 MiB buffers';
  return [
    { name: 'heaps chunk alloc idle area', value: idle.allocsPerSecond, unit: 'allocs/s', note },
    { name: 'heaps chunk alloc idle area', value: idle.mibPerSecond, unit: 'MiB/s', note },
    { name: 'heaps chunk alloc fragmented area', value: busy.allocsPerSecond, unit: 'allocs/s', note: `${note}; 12000 movable pages, 0.1% short-term pinned` },
    { name: 'heaps chunk alloc fragmented area', value: busy.mibPerSecond, unit: 'MiB/s', note: `${busy.migratedPerAlloc} pages migrated per alloc; chunks from the NORMAL retry: ${(busy.normalShare * 100).toFixed(1)}%` },
  ];
}

/** Runs every heap benchmark (system heap, then chunk heap) and returns the measurements. */
export async function benchHeaps(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const size of SIZES) {
    for (const config of CONFIGS) {
      const m = measure(config.system, size.bytes, size.iterations);
      const what = `${size.label} ${config.label}`;
      const note = `simulator cost, ${size.iterations} allocs, 512 MiB machine`;
      rows.push({ name: `heaps system alloc ${what}`, value: Math.round(m.allocNs), unit: 'ns/call', note });
      rows.push({ name: `heaps system release ${what}`, value: Math.round(m.releaseNs), unit: 'ns/call', note });
      rows.push({ name: `heaps pages zeroed in alloc path ${what}`, value: m.zeroedInAlloc, unit: 'pages/alloc', note: `pool hits ${m.poolHitPages} pages/alloc` });
      rows.push({ name: `heaps pages zeroed on release ${what}`, value: m.zeroedInRelease, unit: 'pages/alloc' });
      rows.push({ name: `heaps pages zeroed by worker ${what}`, value: m.zeroedInWorker, unit: 'pages/alloc' });
      await Promise.resolve();
    }
  }
  rows.push(...benchChunkHeap());
  return rows;
}
