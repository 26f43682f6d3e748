// The compact, pageblock and fault verbs end to end, and registerContigVerbs on a registry that already offers `fault`.
import { describe, expect, it } from 'vitest';
import { ok } from '../../src/base/errno.ts';
import { SimVerbRegistry } from '../../src/trace/sim-verbs.ts';
import { registerContigVerbs } from '../../src/trace/verbs/contig-verbs.ts';
import { runLines, simTarget } from './trace-fixtures.ts';

describe('compact', () => {
  it('stops at once when a free block of ORDER (default 9) already exists: nothing moves, even with a suitable target block', () => {
    const target = simTarget();
    // User pages low in the zone, and one allocated page making block 29696 a partly free migration target.
    const { stdout } = runLines(['sim user-map 30 as=u', 'sim lru-drain', 'sim contig-range 30000 30001', 'sim compact 0', 'sim compact', 'sim compact 10 GFP_KERNEL', 'sim user-info u'], target);
    expect(stdout.slice(3)).toEqual([
      '4 ok migrated=0 rebuilt=0',
      '5 ok migrated=0 rebuilt=0',
      '6 ok migrated=0 rebuilt=0',
      '7 pages=30 backing=anon in_cma=0 first_pfn=2048',
    ]);
  });
});

describe('pageblock', () => {
  it('prints the migratetype of the pageblock holding PFN, and EINVAL for a PFN past the end of memory', () => {
    const { stdout, stderr } = runLines(['sim pageblock 61439', 'sim pageblock 61440', 'sim pageblock 65535', 'sim pageblock 65536']);
    expect(stdout).toEqual(['1 mt=Movable', '2 mt=CMA', '3 mt=CMA', '4 err EINVAL']);
    expect(stderr).toBe('sim pageblock: pfn 65536 is outside memory\n');
  });
});

describe('fault', () => {
  it('arms a site for COUNT (default 1) consults, adding to what is armed; each consult that fails uses one up', () => {
    const { stdout, stderr } = runLines([
      'sim fault page_alloc 2',
      'sim fault page_alloc',
      'sim fault isolate 0',
      'sim user-map 1',
      'sim user-map 1',
      'sim user-map 1',
      'sim user-map 1',
      'sim fault isolate',
      'sim contig-range 30720 31232',
      'sim contig-range 30720 31232',
    ]);
    expect(stdout).toEqual([
      '1 ok page_alloc armed=2',
      '2 ok page_alloc armed=3',
      '3 ok isolate armed=0',
      '4 err ENOMEM',
      '5 err ENOMEM',
      '6 err ENOMEM',
      '7 ok u1 pages=1 in_cma=0',
      '8 ok isolate armed=1',
      '9 err EBUSY',
      '10 ok c1 pfn=30720 pages=512 migrated=0 rounds=0',
    ]);
    expect(stderr).toBe(
      'sim user-map: page 0 of 1: page_alloc fault injected\n'.repeat(3) +
      'sim contig-range: isolate fault on pageblock 30720 (migrated=0 rounds=0)\n',
    );
  });
});

describe('registerContigVerbs', () => {
  it('keeps a fault verb the registry already has and registers the rest', () => {
    const registry = new SimVerbRegistry();
    registry.register({ verb: 'fault', usage: 'fault', summary: 'the other fault verb', parseArgs: () => ok(undefined), run: () => ok('mine') });
    registerContigVerbs(registry, simTarget().machine);
    expect(registry.list().find((info) => info.verb === 'fault')).toEqual({ verb: 'fault', usage: 'fault', summary: 'the other fault verb' });
    expect(registry.list().map((info) => info.verb)).toEqual([
      'compact', 'contig-free', 'contig-pages', 'contig-range', 'fault', 'help', 'lru-drain', 'pageblock', 'pin', 'unpin',
      'user-info', 'user-map', 'user-read', 'user-unmap', 'user-write',
    ]);
  });
});
