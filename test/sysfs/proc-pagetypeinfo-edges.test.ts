// /proc/pagetypeinfo edges: the >100000 cap at exactly 100000 blocks, the pageblock walk stopping at the zone end, one report per node with only its zones.
import { describe, expect, it } from 'vitest';
import { freeListSlot } from '../../src/buddy/free-area.ts';
import { MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { formatPagetypeinfo } from '../../src/sysfs/proc-pagetypeinfo.ts';
import { bank, layout, rig } from '../buddy/buddy-fixtures.ts';
import { PAGETYPEINFO_BLOCKS_HEADER, PAGETYPEINFO_HEADER, pagetypeinfoBlockLine, pagetypeinfoFreeLine } from './sysfs-fixtures.ts';

const ZEROS: readonly number[] = new Array<number>(11).fill(0);

/** Free counts with `n` blocks at order 10 only (a freshly booted zone of n MAX_ORDER blocks). */
const order10 = (n: number): number[] => [...ZEROS.slice(0, 10), n];

/** The six free-count lines of a zone whose only free blocks are `movable` (per order) on the Movable list. */
function freeLines(node: number, zone: string, movable: readonly number[]): string {
  return ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']
    .map((type) => pagetypeinfoFreeLine(node, zone, type, type === 'Movable' ? movable : ZEROS)).join('');
}

describe('/proc/pagetypeinfo edges', () => {
  it('a list of exactly 100000 blocks prints >100000 (++freecount >= 100000 stops the walk); 99999 prints as is', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const { blockCounts } = r.allocator.zones[0]!.freeArea;
    blockCounts[freeListSlot(0, MIGRATE_MOVABLE)] = 100000;
    blockCounts[freeListSlot(1, MIGRATE_MOVABLE)] = 99999;
    expect(formatPagetypeinfo(r.allocator).split('\n')[5]).toBe(
      'Node    0, zone   Normal, type      Movable >100000  99999      0      0      0      0      0      0      0      0      2 ',
    );
  });

  it('counts each zone\'s pageblocks from its start up to (not including) its end, when the next zone follows', () => {
    const r = rig(layout({ banks: [bank('dma', 0, 'DMA', 0, 4096), bank('dma32', 0, 'DMA32', 4096, 6144)] }));
    expect(formatPagetypeinfo(r.allocator)).toBe(
      PAGETYPEINFO_HEADER
      + freeLines(0, 'DMA', order10(4))
      + freeLines(0, 'DMA32', order10(2))
      + PAGETYPEINFO_BLOCKS_HEADER
      + pagetypeinfoBlockLine(0, 'DMA', [0, 8, 0, 0, 0, 0])
      + pagetypeinfoBlockLine(0, 'DMA32', [0, 4, 0, 0, 0, 0]),
    );
  });

  it('two nodes: two whole reports back to back, each with only that node\'s zones', () => {
    const r = rig(layout({ banks: [bank('a', 0, 'Normal', 0, 1024), bank('b', 1, 'Movable', 1024, 3072)] }));
    expect(formatPagetypeinfo(r.allocator)).toBe(
      PAGETYPEINFO_HEADER
      + freeLines(0, 'Normal', order10(1))
      + PAGETYPEINFO_BLOCKS_HEADER
      + pagetypeinfoBlockLine(0, 'Normal', [0, 2, 0, 0, 0, 0])
      + PAGETYPEINFO_HEADER
      + freeLines(1, 'Movable', order10(2))
      + PAGETYPEINFO_BLOCKS_HEADER
      + pagetypeinfoBlockLine(1, 'Movable', [0, 4, 0, 0, 0, 0]),
    );
  });
});
