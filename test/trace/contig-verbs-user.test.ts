// The user-memory verbs end to end (user-map, user-unmap, user-write, user-read, user-info, lru-drain): outputs, handles, owners, backing, per-CPU LRU-add batches and run-time errors.
import { describe, expect, it } from 'vitest';
import { stateOf } from './contig-verbs-fixtures.ts';
import { ownerOf, runLines, simTarget } from './trace-fixtures.ts';

describe('user-map', () => {
  it('names a mapping uN without as=, registers a "trace" user owner, and faults in anonymous pages via cpu 0', () => {
    const target = simTarget();
    const { stdout, stderr } = runLines(['sim user-map 4', 'sim user-info u1'], target);
    expect(stdout).toEqual(['1 ok u1 pages=4 in_cma=0', '2 pages=4 backing=anon in_cma=0 first_pfn=2048']);
    expect(stderr).toBe('');
    expect(ownerOf(target, 2048)).toBe('user:trace');
    expect(target.machine.user.list()).toEqual([{ owner: target.machine.owners.count, pageCount: 4, cpu: 0, backing: 'anon' }]);
    expect(target.machine.user.lruPendingPages(0)).toBe(4);
  });

  it('as=NAME names the handle and the owner; file gives page-cache backing, wherever the keyword stands; cpu=N picks the LRU-add batch', () => {
    const target = simTarget();
    const { stdout } = runLines(['sim user-map 3 file cpu=1 as=cache', 'sim user-info cache', 'sim user-map file 2 as=f', 'sim user-info f'], target);
    expect(stdout).toEqual([
      '1 ok cache pages=3 in_cma=0',
      '2 pages=3 backing=file in_cma=0 first_pfn=2048',
      '3 ok f pages=2 in_cma=0',
      '4 pages=2 backing=file in_cma=0 first_pfn=2063',
    ]);
    expect(ownerOf(target, 2048)).toBe('user:cache');
    expect(ownerOf(target, 2063)).toBe('user:f');
    expect(target.machine.user.list().map((m) => [m.pageCount, m.cpu, m.backing])).toEqual([[3, 1, 'file'], [2, 0, 'file']]);
    expect([target.machine.user.lruPendingPages(0), target.machine.user.lruPendingPages(1)]).toEqual([2, 3]);
  });

  it('a live as=NAME fails with EEXIST and the new mapping is undone at once', () => {
    const target = simTarget();
    const { stdout, stderr } = runLines(['sim user-map 4 as=a', 'sim stat', 'sim user-map 2 as=a', 'sim stat', 'sim user-info a'], target);
    expect(stdout).toEqual([
      '1 ok a pages=4 in_cma=0',
      '2 free=63473 cma_free=4096 isolated_free=0 pcp=11 managed=63488',
      '3 err EEXIST',
      '4 free=63473 cma_free=4096 isolated_free=0 pcp=9 managed=63488',
      '5 pages=4 backing=anon in_cma=0 first_pfn=2048',
    ]);
    expect(stderr).toBe('sim user-map: user mapping handle "a" is already live\n');
    expect(target.machine.user.list().map((m) => m.pageCount)).toEqual([4]);
  });

  it('a GFP no zone satisfies fails with ENOMEM, maps nothing and uses up no handle name', () => {
    const target = simTarget();
    const { stdout, stderr } = runLines(['sim user-map 4 GFP_KERNEL,__GFP_DMA', 'sim user-map 1'], target);
    expect(stdout).toEqual(['1 err ENOMEM', '2 ok u1 pages=1 in_cma=0']);
    expect(stderr).toBe('sim user-map: page 0 of 4: no zone allowed for GFP_KERNEL|__GFP_DMA\n');
    expect(target.machine.user.list().map((m) => m.pageCount)).toEqual([1]);
  });
});

describe('user-write, user-read and user-info', () => {
  it('a store prints ok and a load gives the tag back with the page frame', () => {
    expect(runLines(['sim user-map 4 as=a', 'sim user-write a 3 77', 'sim user-read a 3', 'sim user-read a 0']).stdout).toEqual([
      '1 ok a pages=4 in_cma=0',
      '2 ok',
      '3 tag=77 pfn=2051',
      '4 tag=0 pfn=2048',
    ]);
  });

  it('a slot past the end of the mapping is EFAULT naming the slot, the size and the handle', () => {
    const { stdout, stderr } = runLines(['sim user-map 4 as=a', 'sim user-write a 4 1', 'sim user-read a 9', 'sim user-read a 3']);
    expect(stdout).toEqual(['1 ok a pages=4 in_cma=0', '2 err EFAULT', '3 err EFAULT', '4 tag=0 pfn=2051']);
    expect(stderr).toBe('sim user-write: slot 4 outside the 4-page mapping a\nsim user-read: slot 9 outside the 4-page mapping a\n');
  });

  it('a slot that is not a number is EINVAL when the statement runs', () => {
    const { stdout, stderr } = runLines(['sim user-map 4 as=a', 'sim user-write a x 1', 'sim user-read a 0x10000000']);
    expect(stdout).toEqual(['1 ok a pages=4 in_cma=0', '2 err EINVAL', '3 err EINVAL']);
    expect(stderr).toBe('sim user-write: SLOT must be a number, got "x"\nsim user-read: SLOT must be in 0..4194304, got 0x10000000\n');
  });

  it('every verb on an unknown mapping handle is ENOENT naming it', () => {
    const { stdout, stderr } = runLines(['sim user-write no 0 1', 'sim user-read no 0', 'sim user-info no', 'sim user-unmap no']);
    expect(stdout).toEqual(['1 err ENOENT', '2 err ENOENT', '3 err ENOENT', '4 err ENOENT']);
    expect(stderr).toBe(
      'sim user-write: no live user mapping handle "no"\n' +
      'sim user-read: no live user mapping handle "no"\n' +
      'sim user-info: no live user mapping handle "no"\n' +
      'sim user-unmap: no live user mapping handle "no"\n',
    );
  });
});

describe('user-unmap', () => {
  it('frees the pages of the mapping and forgets the handle', () => {
    const target = simTarget();
    const { stdout } = runLines(['sim user-map 4 as=a', 'sim lru-drain', 'sim user-unmap a', 'sim user-info a', 'sim user-unmap a'], target);
    expect(stdout).toEqual(['1 ok a pages=4 in_cma=0', '2 ok pending=0', '3 ok', '4 err ENOENT', '5 err ENOENT']);
    expect(target.machine.user.list()).toEqual([]);
    expect([2048, 2049, 2050, 2051].map((pfn) => stateOf(target, pfn))).toEqual(['pcp', 'pcp', 'pcp', 'pcp']);
  });
});

describe('lru-drain', () => {
  it('cpu=N drains only that CPU\'s LRU-add batch; without cpu= every batch drains; it prints the pages still pending', () => {
    const target = simTarget();
    const { stdout } = runLines(
      ['sim user-map 4 as=a', 'sim user-map 3 cpu=1 as=b', 'sim lru-drain cpu=1', 'sim lru-drain cpu=0', 'sim user-map 2 as=c', 'sim user-map 5 cpu=1 as=d', 'sim lru-drain'],
      target,
    );
    expect(stdout).toEqual([
      '1 ok a pages=4 in_cma=0',
      '2 ok b pages=3 in_cma=0',
      '3 ok pending=4',
      '4 ok pending=0',
      '5 ok c pages=2 in_cma=0',
      '6 ok d pages=5 in_cma=0',
      '7 ok pending=0',
    ]);
  });

  it('draining one CPU leaves the other CPU\'s batch pending', () => {
    const target = simTarget();
    const { stdout } = runLines(['sim user-map 4 as=a', 'sim user-map 3 cpu=1 as=b', 'sim lru-drain cpu=0'], target);
    expect(stdout[2]).toBe('3 ok pending=3');
    expect([target.machine.user.lruPendingPages(0), target.machine.user.lruPendingPages(1)]).toEqual([0, 3]);
  });
});
