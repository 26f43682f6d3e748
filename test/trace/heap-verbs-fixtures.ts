// Fixtures for the heap-verbs tests: a 64 MiB machine with a `heaps` config section, a user heap with a chosen sg-list shape, a recording shrinker, and the load-time rejection of a statement.
import { ok, type Result } from '../../src/base/errno.ts';
import { PAGE_SIZE } from '../../src/base/units.ts';
import { createEnv } from '../../src/env/env.ts';
import type { DmaHeap, HeapAllocRequest } from '../../src/heaps/dma-heap.ts';
import type { HeapBuffer } from '../../src/heaps/dma-buf.ts';
import { GFP_HIGHUSER, __GFP_ZERO, type Gfp } from '../../src/mem/gfp.ts';
import { parseMachineConfig } from '../../src/machine/config.ts';
import { Machine } from '../../src/machine/machine.ts';
import type { ShrinkControl } from '../../src/reclaim/shrinker.ts';
import { createMachineTarget, type MachineTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';

/** A machine target with one 64 MiB bank and the given `heaps` config section (absent: the defaults). */
export function heapTarget(heaps?: unknown): MachineTarget {
  const raw = { banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], ...(heaps === undefined ? {} : { heaps }) };
  const config = parseMachineConfig(raw, 'heap-verbs');
  if (!config.ok) throw new Error(config.detail);
  const machine = Machine.create(config.value, createEnv('heap-verbs'));
  if (!machine.ok) throw new Error(machine.detail);
  return createMachineTarget(machine.value);
}

/** What loading a one-statement trace says when it rejects the statement before anything runs (throws if it is accepted). */
export function rejection(statement: string, target: MachineTarget): string {
  const loaded = loadTrace(statement, 't.trace', target.sim);
  if (loaded.ok) throw new Error(`accepted: ${statement}`);
  return loaded.detail;
}

/** The errno the sim-verb registry gives for `statement` (`sim VERB ARGS...`) when it checks the arguments; undefined when they pass. */
export function checkErrno(statement: string, target: MachineTarget): string | undefined {
  const [, verb, ...args] = statement.split(' ');
  const checked = target.sim.check(verb as string, args);
  return checked.ok ? undefined : checked.errno;
}

/**
 * A user heap (README "Your own heap") whose buffers are one buddy block per entry of `orders`, in
 * that order (whatever the requested length). `zeroed: false` makes it forget __GFP_ZERO, so it
 * hands out whatever the pages held before.
 */
export function blocksHeap(machine: Machine, name: string, orders: readonly number[], zeroed: boolean): DmaHeap {
  const owner = machine.owners.register('heap', name);
  const gfp: Gfp = zeroed ? GFP_HIGHUSER | __GFP_ZERO : GFP_HIGHUSER;
  return {
    name,
    allocate(_request: HeapAllocRequest): Result<HeapBuffer> {
      const chunks = orders.map((order) => {
        const pfn = machine.buddy.allocPages(gfp, order, { owner });
        if (!pfn.ok) throw new Error(`${name}: order-${order} allocation failed`);
        return { pfn: pfn.value, order };
      });
      const pages = orders.reduce((sum, order) => sum + 2 ** order, 0);
      const release = (): void => {
        for (const chunk of chunks) machine.buddy.freePages(chunk.pfn, chunk.order);
      };
      return ok({ chunks, sizeBytes: pages * PAGE_SIZE, release });
    },
  };
}

/** A shrinker with nothing to free that records the shrink_control of every count_objects call it gets. */
export function recordingShrinker(name: string): { readonly name: string; readonly seen: ShrinkControl[]; countObjects(sc: ShrinkControl): number; scanObjects(sc: ShrinkControl): number } {
  const seen: ShrinkControl[] = [];
  return {
    name,
    seen,
    countObjects: (sc) => {
      seen.push({ ...sc });
      return 0;
    },
    scanObjects: () => 0,
  };
}
