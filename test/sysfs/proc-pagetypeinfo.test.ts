// /proc/pagetypeinfo in Linux 6.1's exact format: header, free counts per (type, order), pageblock counts per type, per node.
import { describe, expect, it } from 'vitest';
import { freeListSlot } from '../../src/buddy/free-area.ts';
import { MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { formatPagetypeinfo } from '../../src/sysfs/proc-pagetypeinfo.ts';
import { bank, layout, rig } from '../buddy/buddy-fixtures.ts';
import { PAGETYPEINFO_BLOCKS_HEADER, PAGETYPEINFO_HEADER, pagetypeinfoFreeLine } from './sysfs-fixtures.ts';

describe('/proc/pagetypeinfo', () => {
  it('prints the free counts per migratetype and the pageblock counts', () => {
    const r = rig(layout({ pageCount: 4096, cma: [{ name: 'cma', pfnStart: 1024, pfnEnd: 2048, orderPerBit: 0 }] }));
    const zeros = new Array(11).fill(0);
    const tens = (n: number): number[] => [...zeros.slice(0, 10), n];
    expect(formatPagetypeinfo(r.allocator)).toBe(
      PAGETYPEINFO_HEADER
      + pagetypeinfoFreeLine(0, 'Normal', 'Unmovable', zeros)
      + pagetypeinfoFreeLine(0, 'Normal', 'Movable', tens(3))
      + pagetypeinfoFreeLine(0, 'Normal', 'Reclaimable', zeros)
      + pagetypeinfoFreeLine(0, 'Normal', 'HighAtomic', zeros)
      + pagetypeinfoFreeLine(0, 'Normal', 'CMA', tens(1))
      + pagetypeinfoFreeLine(0, 'Normal', 'Isolate', zeros)
      + PAGETYPEINFO_BLOCKS_HEADER
      + 'Node 0, zone   Normal            0            6            0            0            2            0 \n',
    );
  });

  it('repeats the whole report per node and caps a long list at >100000', () => {
    const r = rig(layout({ banks: [bank('a', 0, 'Normal', 0, 1024), bank('b', 1, 'Movable', 1024, 2048)] }));
    r.allocator.zones[1]!.freeArea.blockCounts[freeListSlot(0, MIGRATE_MOVABLE)] = 123456;
    const text = formatPagetypeinfo(r.allocator);
    expect(text.split('Page block order: 9\n').length).toBe(3);
    expect(text).toContain('Node    1, zone  Movable, type      Movable >100000      0');
    expect(text.endsWith('Node 1, zone  Movable            0            2            0            0            0            0 \n')).toBe(true);
  });
});
