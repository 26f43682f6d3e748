// MemAvailable in /proc/meminfo: si_mem_available() keeps back half of a small reclaimable-kernel-memory count (below the low-watermark cap).
import { describe, expect, it } from 'vitest';
import { formatMeminfo, siMemAvailable } from '../../src/sysfs/proc-meminfo.ts';
import { layout, mib, rig } from '../buddy/buddy-fixtures.ts';

describe('MemAvailable and reclaimable kernel memory', () => {
  it('100 reclaimable pages add 50: reclaimable - min(reclaimable / 2, wmark_low)', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const base = r.allocator.nrFreePages() - r.allocator.totalReservePages();
    const wmarkLow = r.allocator.zones[0]!.lowWatermark;
    expect(wmarkLow).toBeGreaterThan(50);
    expect(siMemAvailable(r.allocator, 0, 100)).toBe(base + 50);
    expect(siMemAvailable(r.allocator, 0, 101)).toBe(base + 51);
    expect(formatMeminfo(r.allocator, { reclaimablePages: 100 }).split('\n')[2]).toBe(`MemAvailable:   ${String((base + 50) * 4).padStart(8)} kB`);
  });
});
