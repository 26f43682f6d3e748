// Buddy-allocator benchmarks: boot time and bytes per page, order-0 alloc/free pairs through the PCP, and a mixed-order workload, at 64 MiB, 1 GiB and 16 GiB.
import { createPageAllocator, type PageAllocator } from '../src/buddy/page-allocator.ts';
import { createEnv } from '../src/env/env.ts';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../src/mem/gfp.ts';
import { Owners } from '../src/mem/owners.ts';
import type { PlatformLayout } from '../src/mem/platform.ts';
import { VmEvents } from '../src/mem/vm-events.ts';
import type { BenchRow } from './bench-row.ts';

const SIZES: readonly { label: string; pageCount: number }[] = [
  { label: '64 MiB', pageCount: 16384 },
  { label: '1 GiB', pageCount: 262144 },
  { label: '16 GiB', pageCount: 4194304 },
];

function layoutOf(pageCount: number): PlatformLayout {
  return {
    banks: [{ name: 'ram', node: 0, zoneKind: 'Normal', pfnStart: 0, pfnEnd: pageCount }],
    reserved: [{ label: 'kernel', pfnStart: 0, pfnEnd: 256 }],
    cma: [],
    cpuCount: 4,
    watermarkScaleFactor: 10,
  };
}

function boot(pageCount: number): { allocator: PageAllocator; owner: number; bootMs: number } {
  const env = createEnv('bench');
  const owners = new Owners();
  const owner = owners.register('test', 'bench');
  const started = performance.now();
  const allocator = createPageAllocator(layoutOf(pageCount), { ...env, events: new VmEvents(), owners });
  return { allocator, owner, bootMs: performance.now() - started };
}

/** Order-0 GFP_KERNEL alloc + free pairs per second on CPU 0 (served by the per-CPU lists). */
function order0Pairs(allocator: PageAllocator, owner: number): number {
  const options = { owner };
  const pairs = 1_000_000;
  const started = performance.now();
  for (let i = 0; i < pairs; i++) {
    const result = allocator.allocPages(GFP_KERNEL, 0, options);
    if (!result.ok) throw new Error(result.detail);
    allocator.freePages(result.value, 0);
  }
  return pairs / ((performance.now() - started) / 1000);
}

/** Random alloc/free of orders 0..4 (kernel and movable) with up to 2048 live blocks; operations per second. */
function mixedWorkload(allocator: PageAllocator, owner: number): number {
  const live: number[] = [];
  const liveOrder: number[] = [];
  const options = { owner };
  let state = 0x9e3779b9;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const operations = 500_000;
  const started = performance.now();
  for (let i = 0; i < operations; i++) {
    const random = next();
    if (live.length > 0 && (live.length >= 2048 || (random & 1) === 0)) {
      const victim = (random >>> 1) % live.length;
      allocator.freePages(live[victim] as number, liveOrder[victim] as number);
      live[victim] = live[live.length - 1] as number;
      liveOrder[victim] = liveOrder[liveOrder.length - 1] as number;
      live.pop();
      liveOrder.pop();
      continue;
    }
    const order = (random >>> 1) % 5;
    const result = allocator.allocPages((random & 0x100) === 0 ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE, order, options);
    if (!result.ok) continue;
    live.push(result.value);
    liveOrder.push(order);
  }
  return operations / ((performance.now() - started) / 1000);
}

/** Runs every buddy benchmark and returns the measurements. */
export async function benchBuddy(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const size of SIZES) {
    const { allocator, owner, bootMs } = boot(size.pageCount);
    rows.push({ name: `buddy build ${size.label}`, value: Math.round(bootMs * 10) / 10, unit: 'ms', note: `${size.pageCount} pages` });
    rows.push({ name: `buddy bytes/page ${size.label}`, value: Math.round((allocator.table.byteLength() / allocator.table.pageCount) * 1000) / 1000, unit: 'B/page', note: 'page table + pageblock arrays' });
    order0Pairs(allocator, owner);
    rows.push({ name: `buddy order-0 alloc/free pairs ${size.label}`, value: Math.round(order0Pairs(allocator, owner)), unit: 'pairs/s', note: 'GFP_KERNEL via PCP' });
    rows.push({ name: `buddy mixed order 0..4 ${size.label}`, value: Math.round(mixedWorkload(allocator, owner)), unit: 'ops/s', note: '≤2048 live, kernel+movable' });
    await Promise.resolve();
  }
  return rows;
}
