// The README's "Your own heap" example: a heap with its own policy and a system heap with another pool policy, added to every machine the harness boots (pagelab fuzz --machine-factory examples/my-heap.ts).
import {
  __GFP_COMP, __GFP_NORETRY, __GFP_ZERO, createSystemHeaps, DEFAULT_SYSTEM_HEAPS_OPTIONS, err, GFP_HIGHUSER, Machine, MAX_PAGE_ORDER, ok, PAGE_SIZE,
  type DmaHeap, type HeapAllocRequest, type HeapBuffer, type Result,
} from 'pagelab';
import type { MachineFactory } from 'pagelab/harness';

/** Policy: a buffer is ONE physically contiguous, zeroed buddy block (at most 4 MiB), or ENOMEM. */
export function contiguousHeap(machine: Machine, name = 'my-contig'): DmaHeap {
  const owner = machine.owners.register('heap', name);
  const gfp = GFP_HIGHUSER | __GFP_ZERO | __GFP_COMP | __GFP_NORETRY;
  return {
    name,
    allocate(request: HeapAllocRequest): Result<HeapBuffer> {
      let order = 0;
      while (2 ** order < request.pageCount) order++;
      if (order > MAX_PAGE_ORDER) return err('ENOMEM', `${name}: ${request.pageCount} pages do not fit one block`);
      const pfn = machine.buddy.allocPages(gfp, order, { owner });
      if (!pfn.ok) return err('ENOMEM', `${name}: no free order-${order} block`);
      const release = (): void => machine.buddy.freePages(pfn.value, order);
      return ok({ chunks: [{ pfn: pfn.value, order }], sizeBytes: request.pageCount * PAGE_SIZE, release });
    },
  };
}

/** Another pool policy next to `system`: the system heap's rules with TTM-style pools and deferred freeing. */
export function addTtmSystemHeap(machine: Machine, name = 'my-system-ttm'): Result<void> {
  const env = { buddy: machine.buddy, owners: machine.owners, events: machine.events, faults: machine.env.faults };
  const options = { ...DEFAULT_SYSTEM_HEAPS_OPTIONS, pool: 'shrinker', shrinkerStyle: 'ttm', deferredFree: true } as const;
  const family = createSystemHeaps(env, options, name);
  for (const heap of family.heaps) {
    const added = machine.heaps.add(heap);
    if (!added.ok) return added;
  }
  if (family.deferred !== undefined) {
    machine.workers.register(family.deferred); // its worker runs only in machine.tick()
    const shrinker = machine.shrinkers.register(family.deferred);
    if (!shrinker.ok) return shrinker;
  }
  return family.pools === undefined ? ok(undefined) : machine.shrinkers.register(family.pools);
}

/** What `--machine-factory` loads: the machine of the drawn config, plus both heaps. */
export const machineFactory: MachineFactory = (config, env) => {
  const machine = Machine.create(config, env);
  if (!machine.ok) return machine;
  const added = machine.value.heaps.add(contiguousHeap(machine.value));
  if (!added.ok) return added;
  const family = addTtmSystemHeap(machine.value);
  return family.ok ? machine : family;
};
