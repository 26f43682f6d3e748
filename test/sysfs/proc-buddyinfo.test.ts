// /proc/buddyinfo in Linux 6.1's exact format: "Node %d, zone %8s " then "%6lu " per order, zones in node then zone-type order.
import { describe, expect, it } from 'vitest';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { formatBuddyinfo } from '../../src/sysfs/proc-buddyinfo.ts';
import { bank, layout, rig } from '../buddy/buddy-fixtures.ts';

describe('/proc/buddyinfo', () => {
  it('prints one line per zone with the free blocks of each order', () => {
    const r = rig(layout({ banks: [bank('n1', 1, 'Normal', 16384, 32768), bank('dma', 0, 'DMA', 1, 4096), bank('dma32', 0, 'DMA32', 4096, 16384)] }));
    expect(formatBuddyinfo(r.allocator)).toBe(
      'Node 0, zone      DMA      1      1      1      1      1      1      1      1      1      1      3 \n'
      + 'Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0     12 \n'
      + 'Node 1, zone   Normal      0      0      0      0      0      0      0      0      0      0     16 \n',
    );
  });

  it('reflects splits after an allocation', () => {
    const r = rig(layout({ pageCount: 2048 }));
    r.alloc(GFP_KERNEL, 4);
    expect(formatBuddyinfo(r.allocator)).toBe('Node 0, zone   Normal      0      0      0      0      1      1      1      1      1      1      1 \n');
  });
});
