// Shared helpers for the heap and reclaim tests: boot a small machine with a heaps section, allocate dma-bufs, fill and fragment memory, count free pages.
import { FaultInjector, type FaultSite } from '../../src/env/faults.ts';
import { createEnv, type Env } from '../../src/env/env.ts';
import type { DmaBuf } from '../../src/heaps/dma-buf.ts';
import { parseMachineConfig } from '../../src/machine/config.ts';
import { Machine } from '../../src/machine/machine.ts';
import { __GFP_MEMALLOC, GFP_NOWAIT } from '../../src/mem/gfp.ts';

/** O_RDWR | O_CLOEXEC. */
export const RDWR_CLOEXEC = 0x80002;
export const KiB = 1024;
export const MiB = 2 ** 20;

export interface BootOptions {
  readonly memMiB?: number;
  readonly cmdline?: string;
  readonly heaps?: unknown;
  readonly env?: Env;
}

/** Boots a one-bank machine (default 64 MiB, no CMA) with an optional `heaps` config section. */
export function boot(options: BootOptions = {}): Machine {
  const raw = {
    banks: [{ name: 'dram0', base: 0, size: `${options.memMiB ?? 64}M`, zone: 'Normal' }],
    cmdline: options.cmdline ?? '',
    ...(options.heaps === undefined ? {} : { heaps: options.heaps }),
  };
  const config = parseMachineConfig(raw, 'test');
  if (!config.ok) throw new Error(config.detail);
  const machine = Machine.create(config.value, options.env ?? createEnv('heaps'), 'test');
  if (!machine.ok) throw new Error(machine.detail);
  return machine.value;
}

/** DMA_HEAP_IOCTL_ALLOC that must succeed. */
export function alloc(machine: Machine, heap: string, lenBytes: number | bigint, fdFlags = RDWR_CLOEXEC): DmaBuf {
  const buf = machine.heaps.dmaHeapIoctlAlloc(heap, { lenBytes: BigInt(lenBytes), fdFlags, heapFlags: 0n });
  if (!buf.ok) throw new Error(`${buf.errno}: ${buf.detail}`);
  return buf.value;
}

/** Pages free in the buddy lists plus those cached on per-CPU lists. */
export function freePages(machine: Machine): number {
  return machine.buddy.nrFreePages() + machine.buddy.pcpPages();
}

/** Chunk orders of a buffer, in sg order. */
export function orders(buf: DmaBuf): number[] {
  return buf.chunks.map((chunk) => chunk.order);
}

/** Writes a fresh tag into every page of `buf` through a rw mapping, then unmaps. */
export function scribble(buf: DmaBuf): void {
  const map = buf.mmap('rw');
  if (!map.ok) throw new Error(map.detail);
  const wrote = buf.write(map.value, 0, buf.pageCount);
  if (!wrote.ok) throw new Error(wrote.detail);
  buf.munmap(map.value);
}

/** True when every page of `buf` reads zero through a fresh read mapping. */
export function readsZero(buf: DmaBuf): boolean {
  const map = buf.mmap('r');
  if (!map.ok) throw new Error(map.detail);
  const seen = buf.read(map.value, 0, buf.pageCount);
  buf.munmap(map.value);
  if (!seen.ok) throw new Error(seen.detail);
  return seen.value.zeroPages === buf.pageCount;
}

/**
 * Allocates order-0 pages until the allocator refuses; returns their PFNs. With `reserves`,
 * __GFP_MEMALLOC ignores the watermarks and takes every free page (no high-order block survives).
 */
export function fillWithOrder0(machine: Machine, label = 'filler', reserves = false): number[] {
  const owner = machine.owners.register('test', label);
  const gfp = reserves ? GFP_NOWAIT | __GFP_MEMALLOC : GFP_NOWAIT;
  const pfns: number[] = [];
  for (;;) {
    const pfn = machine.buddy.allocPages(gfp, 0, { owner });
    if (!pfn.ok) return pfns;
    pfns.push(pfn.value);
  }
}

/** A FaultInjector whose `site` fails at its `nth` consult (1-based) and every one after it. */
export class NthConsultFaults extends FaultInjector {
  private consults = 0;

  constructor(private readonly site: FaultSite, private readonly nth: number) {
    super();
  }

  override shouldFail(site: FaultSite): boolean {
    if (site !== this.site) return super.shouldFail(site);
    this.consults++;
    return this.consults >= this.nth || super.shouldFail(site);
  }
}

/** An Env whose faults are `faults`. */
export function envWith(faults: FaultInjector, seed = 'heaps'): Env {
  return { ...createEnv(seed), faults };
}
