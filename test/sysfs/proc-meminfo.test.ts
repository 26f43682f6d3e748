// /proc/meminfo in Linux 6.1's show_val_kb() format and field order, and si_mem_available() over what is modelled.
import { describe, expect, it } from 'vitest';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { formatMeminfo, siMemAvailable } from '../../src/sysfs/proc-meminfo.ts';
import { layout, mib, rig } from '../buddy/buddy-fixtures.ts';

describe('/proc/meminfo', () => {
  it('prints the allocator fields with 16-column labels and %8lu kB values', () => {
    const r = rig(layout({ pageCount: mib(64), reserved: [{ label: 'k', pfnStart: 0, pfnEnd: 256 }], cma: [{ name: 'cma', pfnStart: mib(32), pfnEnd: mib(48), orderPerBit: 0 }] }));
    const reserve = r.allocator.totalReservePages();
    const free = mib(64) - 256;
    expect(formatMeminfo(r.allocator)).toBe(
      `MemTotal:       ${String(free * 4).padStart(8)} kB\n`
      + `MemFree:        ${String(free * 4).padStart(8)} kB\n`
      + `MemAvailable:   ${String((free - reserve) * 4).padStart(8)} kB\n`
      + 'CmaTotal:          16384 kB\n'
      + 'CmaFree:           16384 kB\n',
    );
  });

  it('places extra fields in Linux order and refuses to override allocator fields', () => {
    const r = rig(layout({ pageCount: mib(16) }));
    r.alloc(GFP_KERNEL, 0);
    const lines = formatMeminfo(r.allocator, { fields: { AnonPages: 3, Cached: 2, 'Active(file)': 1, KernelStack: 4 } }).split('\n').map((line) => line.split(':')[0]);
    expect(lines).toEqual(['MemTotal', 'MemFree', 'MemAvailable', 'Cached', 'Active(file)', 'AnonPages', 'KernelStack', 'CmaTotal', 'CmaFree', '']);
    expect(formatMeminfo(r.allocator, { fields: { AnonPages: 3 } })).toContain('AnonPages:            12 kB\n');
    expect(() => formatMeminfo(r.allocator, { fields: { MemFree: 1 } })).toThrow(/comes from the allocator/);
  });

  it('si_mem_available: free - totalreserve, plus the reclaimable half of page cache and kernel caches, never negative', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const free = r.allocator.nrFreePages();
    const reserve = r.allocator.totalReservePages();
    const wmarkLow = r.allocator.zones[0]!.lowWatermark;
    expect(siMemAvailable(r.allocator)).toBe(free - reserve);
    expect(siMemAvailable(r.allocator, 100, 0)).toBe(free - reserve + 50);
    expect(siMemAvailable(r.allocator, 10000, 10000)).toBe(free - reserve + 2 * (10000 - wmarkLow));
    expect(r.allocator.takeFreeRange(0, mib(64), r.owner)).toBe(true);
    expect(siMemAvailable(r.allocator)).toBe(0);
  });
});
