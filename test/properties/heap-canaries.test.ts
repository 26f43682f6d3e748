// Heap canaries: the harness run against deliberately broken heaps, pools and lists (heap-canary-fixtures.ts) must find each bug through the heap invariants and shrink it to a short sequence.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DmaHeap } from '../../src/heaps/dma-heap.ts';
import { ChunkHeap } from '../../src/heaps/chunk-heap.ts';
import { CmaHeap } from '../../src/heaps/cma-heap.ts';
import { DEFAULT_SYSTEM_HEAPS_OPTIONS, SYSTEM_HEAP_ORDER_FLAGS } from '../../src/heaps/system-heap.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { heapsHeavySwarmArbitrary } from '../../properties/arbitraries/heaps-swarm.ts';
import { checkScenarios } from '../../properties/check-scenarios.ts';
import type { InvariantName } from '../../properties/invariants/failure.ts';
import { formatScenario } from '../../properties/scenario.ts';
import {
  CanarySystemHeap, canaryPools, ForgetfulDeferredList, heapEnv, machineWithHeaps, NoClearCmaHeap, NoRollbackChunkHeap, systemFamily, WrongOrderPools,
} from './heap-canary-fixtures.ts';

const BANK = [{ name: 'dram0', base: 0, size: '16M', zone: 'Normal' }];

function one(name: string, heap: DmaHeap): ReadonlyMap<string, DmaHeap> {
  return new Map([[name, heap]]);
}

interface Canary {
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly replace: (machine: Machine) => ReadonlyMap<string, DmaHeap>;
  readonly invariants: readonly InvariantName[];
  /** Longest op list (default 200): a bug that needs a written page to come back needs longer runs to show up. */
  readonly maxOps?: number;
  /** fast-check seed (default 7). */
  readonly seed?: number;
}

const CANARIES: readonly Canary[] = [
  {
    name: 'a CMA heap that skips the clear (M23)',
    config: { banks: BANK, cpus: 2, cmdline: 'cma=4M' },
    replace: (machine) => one('reserved', new NoClearCmaHeap(machine, machine.heaps.get('reserved') as CmaHeap)),
    invariants: ['heap-zeroed'],
    maxOps: 300,
    seed: 2,
  },
  {
    name: 'a system heap that keeps obtained pages on failure (M21/M35)',
    config: { banks: BANK, cpus: 2, heaps: { system: { sizeCap: false } } },
    replace: (machine) => one('system', new CanarySystemHeap(heapEnv(machine), { ...DEFAULT_SYSTEM_HEAPS_OPTIONS, sizeCap: false }, { leak: true, orderFlags: SYSTEM_HEAP_ORDER_FLAGS })),
    invariants: ['heap-failure-atomic'],
  },
  {
    name: 'a deferred-free list that forgets to count items freed under pressure (M31)',
    config: { banks: BANK, cpus: 2 },
    replace: (machine) => one('system', systemFamily(machine, { deferredFree: true }, { deferred: new ForgetfulDeferredList(machine.events, 16, 'dmabuf-deferred-free') })),
    invariants: ['shrinker-scan', 'shrinker-count', 'deferred-free', 'conservation'],
  },
  {
    name: 'a chunk heap that does not roll back a partial allocation (M28)',
    config: { banks: BANK, cpus: 2, cmdline: 'cma=4M', heaps: { chunk: [{ name: 'chunk0', area: 'reserved', chunkSize: '64K' }] } },
    replace: (machine) => one('chunk0', new NoRollbackChunkHeap(machine, machine.heaps.get('chunk0') as ChunkHeap)),
    invariants: ['heap-failure-atomic'],
  },
  {
    name: 'a pool that files an order-4 block under order 0 (M25)',
    config: { banks: BANK, cpus: 2 },
    replace: (machine) => one('system', systemFamily(machine, { pool: 'shrinker' }, { pools: canaryPools(machine, WrongOrderPools, { variant: 'shrinker', style: 'ion' }) })),
    invariants: ['pool-conservation', 'heap-release'],
  },
];

describe.each(CANARIES)('heap canary: $name', (canary) => {
  it('is found and shrunk to at most 10 ops', () => {
    const started = performance.now();
    const outcome = checkScenarios({ seed: canary.seed ?? 7, numRuns: 100, maxOps: canary.maxOps ?? 200, machineFactory: machineWithHeaps(canary.replace), swarm: heapsHeavySwarmArbitrary(fc.constant(canary.config)) });
    expect(outcome.failure, 'the harness did not find the canary').not.toBeNull();
    const { scenario, result, shrinkComplete } = outcome.failure!;
    const report = formatScenario(scenario, result);
    console.info(`heap canary "${canary.name}": ${result.failure?.invariant} after ${outcome.runs} runs, ${scenario.ops.length} ops, ${Math.round(performance.now() - started)} ms\n${report}`);
    expect(canary.invariants, report).toContain(result.failure?.invariant);
    expect(scenario.ops.length, report).toBeLessThanOrEqual(10);
    expect(shrinkComplete).toBe(true);
  });
});
