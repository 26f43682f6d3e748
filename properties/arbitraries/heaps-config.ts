// Swarm `heaps` config sections: system-heap pool variants (none, static, shrinker × ion/ttm) with small rings and limits, deferred free on or off with small budgets, caching variants, the size cap, CPA pools with small marks, chunk heaps bound to the machine's CMA areas, and a device-exported CMA heap.
import * as fc from 'fast-check';

/** The CMA areas a generated machine has, for binding chunk heaps and exporting a device heap. */
export interface AreasForHeaps {
  /** `cma=` made the default area `reserved`. */
  readonly reserved: boolean;
  /** The platform area `plat`, if any, with its bitmap granularity. */
  readonly platform: { readonly orderPerBit: number } | null;
  /** Total memory, to keep CPA pools small against it. */
  readonly totalMiB: number;
  /** The config's devices so far (the CMA section's); an exporting device is added to them. */
  readonly devices?: unknown;
}

/** What one run draws for its heaps (before it is fitted to the machine). */
export interface HeapsDraw {
  readonly pool: 'none' | 'static' | 'shrinker';
  readonly shrinkerStyle: 'ion' | 'ttm';
  readonly staticPoolEntries: number;
  readonly poolLimit: string | null;
  readonly deferredFree: boolean;
  readonly zeroBudgetPerTick: string;
  readonly sizeCap: boolean;
  readonly variants: readonly string[];
  readonly cpa: readonly { readonly order: number; readonly lowmark: number; readonly fill: number; readonly high: number; readonly alignOrder: number }[];
  readonly chunkOrders: readonly number[];
  readonly exportPlatform: boolean;
}

const VARIANTS: Readonly<Record<string, string>> = { 'system-uncached': 'uncached', 'system-wc': 'write-combined' };

function cpaArbitrary(): fc.Arbitrary<HeapsDraw['cpa'][number]> {
  return fc.record({
    order: fc.integer({ min: 1, max: 9 }),
    lowmark: fc.integer({ min: 0, max: 3 }),
    fill: fc.integer({ min: 0, max: 4 }),
    high: fc.integer({ min: 0, max: 4 }),
    alignOrder: fc.constantFrom(0, 0, 2, 5),
  });
}

/** One run's heap draw; fitted to the machine by heapsSectionFor. */
export function heapsDrawArbitrary(): fc.Arbitrary<HeapsDraw> {
  return fc.record({
    pool: fc.constantFrom('none', 'static', 'shrinker', 'shrinker'),
    shrinkerStyle: fc.constantFrom('ion', 'ttm'),
    staticPoolEntries: fc.constantFrom(1, 2, 8, 1024),
    poolLimit: fc.option(fc.constantFrom('64K', '1M', '4M'), { freq: 3 }),
    deferredFree: fc.boolean(),
    zeroBudgetPerTick: fc.constantFrom('4K', '64K', '8M'),
    sizeCap: fc.constantFrom(true, true, true, false),
    variants: fc.subarray(Object.keys(VARIANTS)),
    cpa: fc.array(cpaArbitrary(), { maxLength: 2 }),
    chunkOrders: fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 2 }),
    exportPlatform: fc.boolean(),
  });
}

/** CPA pools whose fill-mark blocks stay within an eighth of memory (lowmark <= fillmark <= highmark). */
function cpaSection(draw: HeapsDraw, totalMiB: number): Record<string, unknown>[] {
  return draw.cpa.flatMap((pool, index) => {
    const blockMiB = 2 ** pool.order / 256;
    const fillmark = Math.min(pool.lowmark + pool.fill, Math.floor(totalMiB / 8 / blockMiB));
    if (fillmark < 1) return [];
    const lowmark = Math.min(pool.lowmark, fillmark);
    return [{ name: `cpa${index}`, order: pool.order, lowmark, fillmark, highmark: fillmark + pool.high, alignOrder: pool.alignOrder }];
  });
}

/** Chunk heaps on the machine's areas, each chunk at least one bitmap bit of its area. */
function chunkSection(draw: HeapsDraw, areas: AreasForHeaps): Record<string, unknown>[] {
  const choices = [...(areas.reserved ? [{ name: 'reserved', orderPerBit: 0 }] : []), ...(areas.platform === null ? [] : [{ name: 'plat', ...areas.platform }])];
  if (choices.length === 0) return [];
  return draw.chunkOrders.map((order, index) => {
    const area = choices[index % choices.length] as { name: string; orderPerBit: number };
    return { name: `chunk${index}`, area: area.name, chunkSize: `${4 * 2 ** Math.max(order, area.orderPerBit)}K` };
  });
}

/** The `heaps` section (and the devices with one more exporting the platform area) for a drawn machine. */
export function heapsSectionFor(draw: HeapsDraw, areas: AreasForHeaps): Record<string, unknown> {
  const system = {
    pool: draw.pool, shrinkerStyle: draw.shrinkerStyle, staticPoolEntries: draw.staticPoolEntries, deferredFree: draw.deferredFree,
    zeroBudgetPerTick: draw.zeroBudgetPerTick, sizeCap: draw.sizeCap,
    variants: draw.variants.map((name) => ({ name, caching: VARIANTS[name] })),
    ...(draw.poolLimit === null ? {} : { poolLimit: draw.poolLimit }),
  };
  const devices = Array.isArray(areas.devices) ? (areas.devices as unknown[]) : [];
  const exportDevice = draw.exportPlatform && areas.platform !== null;
  return {
    heaps: { system, cpa: cpaSection(draw, areas.totalMiB), chunk: chunkSection(draw, areas) },
    ...(exportDevice ? { devices: [...devices, { name: 'vdec', cma: ['plat'], exportHeap: true }] } : {}),
  };
}
