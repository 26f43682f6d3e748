// The README's "Your own heap" example (examples/my-heap.ts): the README carries the file verbatim, both heaps work through the ioctl and a trace, heap-profile property scenarios booted by its machineFactory reach both heaps and break no invariant, and the harness catches broken wrappers of it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ok } from '../src/base/errno.ts';
import { createEnv } from '../src/env/env.ts';
import type { HeapBuffer } from '../src/heaps/dma-buf.ts';
import type { DmaHeap } from '../src/heaps/dma-heap.ts';
import { parseMachineConfig } from '../src/machine/config.ts';
import { Machine } from '../src/machine/machine.ts';
import { createMachineTarget } from '../src/trace/machine-target.ts';
import { loadTrace } from '../src/trace/parse.ts';
import { runTrace } from '../src/trace/run.ts';
import { heapsHeavySwarmArbitrary } from '../properties/arbitraries/heaps-swarm.ts';
import { checkScenarios } from '../properties/check-scenarios.ts';
import type { MachineFactory } from '../properties/harness-machine.ts';
import { formatScenario, runScenario, type Scenario } from '../properties/scenario.ts';
import { machineFactory } from '../examples/my-heap.ts';

const ROOT = join(import.meta.dirname, '..');
const EXAMPLE = readFileSync(join(ROOT, 'examples', 'my-heap.ts'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const HEAPS = ['my-contig', 'my-system-ttm'];

/** The ```ts block of the README's "Your own heap" section. */
function readmeExample(): string | undefined {
  const section = README.slice(README.indexOf('## Your own heap'));
  return /```ts\n([\s\S]*?)```/.exec(section)?.[1];
}

/** A 64 MiB machine with `cma=8M`, booted by the example's factory. */
function boot(): Machine {
  const config = parseMachineConfig({ banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cmdline: 'cma=8M' }, 'test');
  if (!config.ok) throw new Error(config.detail);
  const machine = machineFactory(config.value, createEnv('readme-heap'));
  if (!machine.ok) throw new Error(machine.detail);
  return machine.value as Machine;
}

function trace(machine: Machine, text: string): string[] {
  const target = createMachineTarget(machine);
  const statements = loadTrace(text, 'example.trace', target.sim);
  if (!statements.ok) throw new Error(statements.detail);
  return runTrace(statements.value, target).map((line) => line.stdout.trimEnd());
}

/** Counts successful allocations per example heap, wrapping `allocate` of the machines `factory` boots. */
function counting(factory: MachineFactory, counts: Map<string, number>): MachineFactory {
  return (config, env) => {
    const booted = factory(config, env);
    if (!booted.ok) return booted;
    for (const name of HEAPS) {
      const heap = booted.value.heaps?.get(name) as DmaHeap;
      const allocate = heap.allocate.bind(heap);
      heap.allocate = (request) => {
        const result = allocate(request);
        if (result.ok) counts.set(name, (counts.get(name) ?? 0) + 1);
        return result;
      };
    }
    return booted;
  };
}

describe('README "Your own heap" example', () => {
  it('the README shows examples/my-heap.ts verbatim', () => {
    expect(readmeExample()).toBe(EXAMPLE);
  });

  it('the README names the fuzz command for it', () => {
    expect(README).toContain('npx pagelab fuzz --profile heaps --machine-factory examples/my-heap.ts');
  });

  it('registers both heaps after the built-in ones, with their worker and shrinkers', () => {
    const machine = boot();
    expect(machine.heaps.names()).toEqual(['system', 'reserved', ...HEAPS]);
    expect(machine.workers.names()).toEqual(['my-system-ttm:dmabuf-deferred-free']);
    expect(machine.shrinkers.names()).toEqual(['my-system-ttm:dmabuf-deferred-free', 'my-system-ttm:dmabuf-page-pool']);
  });

  it('serves buffers through the ioctl and the trace verbs', () => {
    const machine = boot();
    const free = machine.buddy.nrFreePages();
    expect(trace(machine, [
      'dma-heap-alloc my-contig 4097',
      'sim heap-alloc my-contig 1M as=b',
      'dma-heap-alloc my-contig 8388608',
      'sim buf-close b',
      'dma-heap-alloc my-system-ttm 65536',
      'sim tick',
      'sim pool-stat',
    ].join('\n'))).toEqual([
      'ok len=8192 zero=1',
      'ok b len=1048576 chunks=1 orders=8:1',
      'err ENOMEM',
      'ok refs=0',
      'ok len=65536 zero=1',
      'ok now=1000000',
      'heap system pools=none pages=0\nheap my-system-ttm pools=shrinker/ttm pages=16 cached/o4=1\nheap my-system-ttm deferred items=0 pages=0\n' +
        'shrinker my-system-ttm:dmabuf-deferred-free count=0\nshrinker my-system-ttm:dmabuf-page-pool count=16',
    ]);
    expect(machine.buddy.nrFreePages() + machine.buddy.pcpPages()).toBe(free - 16);
  });

  it('heap-profile property scenarios reach both heaps and break no invariant', () => {
    const counts = new Map<string, number>();
    const outcome = checkScenarios({ seed: 20260514, numRuns: 12, maxOps: 300, swarm: heapsHeavySwarmArbitrary(), machineFactory: counting(machineFactory, counts) });
    if (outcome.failure !== null) throw new Error(formatScenario(outcome.failure.scenario, outcome.failure.result));
    for (const name of HEAPS) expect(counts.get(name) ?? 0, `successful ${name} allocations`).toBeGreaterThan(0);
  });
});

/** Writes a 1 MiB buffer of heap 2 (`my-contig`, after `system` and `reserved`), releases it, and gets the same dirty block again. */
const REUSE: Scenario = {
  config: { banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cmdline: 'cma=8M' },
  seed: 'readme-heap',
  auditEvery: 1,
  weights: {},
  ops: [
    { op: 'heapAlloc', heap: 2, len: '1048576', fdFlags: 0x80002 },
    { op: 'bufMap', buf: 0, access: 'rw' },
    { op: 'bufWrite', map: 0, offset: 0, pages: 256 },
    { op: 'bufClose', buf: 0 },
    { op: 'bufUnmap', map: 0 },
    { op: 'heapAlloc', heap: 2, len: '1048576', fdFlags: 0x80002 },
  ],
};

/** The example's machines with `my-contig` replaced by a wrapper of it that `breaks` each buffer. */
function brokenContig(breaks: (machine: Machine, buffer: HeapBuffer) => HeapBuffer): MachineFactory {
  return (config, env) => {
    const booted = machineFactory(config, env);
    if (!booted.ok) return booted;
    const machine = booted.value as Machine;
    const heap = machine.heaps.get('my-contig') as DmaHeap;
    const allocate = heap.allocate.bind(heap);
    heap.allocate = (request) => {
      const result = allocate(request);
      return result.ok ? ok(breaks(machine, result.value)) : result;
    };
    return booted;
  };
}

describe('the harness judges the example heap like a built-in one', () => {
  it('a written, released and reallocated buffer passes every check', () => {
    expect(runScenario(REUSE, { machineFactory }).failure).toBeNull();
  });

  it('a wrapper that hands out a dirty page breaks heap-zeroed', () => {
    const dirty = brokenContig((machine, buffer) => {
      const table = machine.buddy.table;
      table.content[table.pageIndex(buffer.chunks[0]?.pfn ?? 0)] = 7;
      return buffer;
    });
    expect(runScenario(REUSE, { machineFactory: dirty }).failure).toMatchObject({ invariant: 'heap-zeroed', opIndex: 0 });
  });

  it('a wrapper whose release keeps the pages breaks heap-release', () => {
    const leaky = brokenContig((_machine, buffer) => ({ ...buffer, release: () => undefined }));
    expect(runScenario(REUSE, { machineFactory: leaky }).failure).toMatchObject({ invariant: 'heap-release', opIndex: 4 });
  });
});
