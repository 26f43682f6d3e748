// The contig-range, contig-pages and contig-free verbs end to end: outputs, owners, normal vs fast mode, the calling CPU, handle clashes and failure details.
import { describe, expect, it } from 'vitest';
import { stateOf } from './contig-verbs-fixtures.ts';
import { ownerOf, runLines, simTarget } from './trace-fixtures.ts';

/** 20 user pages at PFNs 2048..2067 on the LRU; the rest of cpu 0's refill batch stays on its per-CPU list. */
const USER_PAGES = ['sim user-map 20 as=u', 'sim lru-drain'];

describe('contig-range', () => {
  it('takes a free range for a "trace" contig owner without as=, and for the as=NAME owner with it', () => {
    const target = simTarget();
    const { stdout } = runLines(['sim contig-range 30720 31232', 'sim contig-range 31232 31744 as=r'], target);
    expect(stdout).toEqual(['1 ok c1 pfn=30720 pages=512 migrated=0 rounds=0', '2 ok r pfn=31232 pages=512 migrated=0 rounds=0']);
    expect([ownerOf(target, 30720), ownerOf(target, 31231), ownerOf(target, 31232)]).toEqual(['contig:trace', 'contig:trace', 'contig:r']);
  });

  it('an invalid range is EINVAL without counts, also after an earlier call recorded some', () => {
    expect(runLines(['sim contig-range 200 100'])).toEqual({ stdout: ['1 err EINVAL'], stderr: 'sim contig-range: empty or bad range [200, 100)\n' });
    const { stdout, stderr } = runLines([...USER_PAGES, 'sim contig-range 2048 2560', 'sim contig-range 200 100']);
    expect(stdout.slice(2)).toEqual(['3 ok c1 pfn=2048 pages=512 migrated=20 rounds=1', '4 err EINVAL']);
    expect(stderr).toBe('sim contig-range: empty or bad range [200, 100)\n');
  });

  it('normal mode drains the per-CPU lists and migrates the user pages out; they keep their content', () => {
    const target = simTarget();
    const { stdout } = runLines([...USER_PAGES, 'sim user-write u 0 5', 'sim contig-range 2048 2560', 'sim user-read u 0', 'sim user-info u'], target);
    expect(stdout.slice(2)).toEqual([
      '3 ok',
      '4 ok c1 pfn=2048 pages=512 migrated=20 rounds=1',
      '5 tag=5 pfn=2560',
      '6 pages=20 backing=anon in_cma=0 first_pfn=2560',
    ]);
    expect(ownerOf(target, 2048)).toBe('contig:trace');
    expect(ownerOf(target, 2560)).toBe('user:u');
  });

  it('fast mode skips the per-CPU drain: migration targets come from per-CPU pages inside the range, which is then EBUSY; the detail gives the counts', () => {
    const target = simTarget();
    const { stdout, stderr } = runLines([...USER_PAGES, 'sim contig-range 2048 2560 fast', 'sim user-read u 0'], target);
    expect(stdout.slice(2)).toEqual(['3 err EBUSY', '4 tag=0 pfn=2068']);
    expect(stderr).toBe('sim contig-range: pfn 2068 in [2048, 2560) is not a free isolated page (migrated=20 rounds=1)\n');
    expect(ownerOf(target, 2068)).toBe('user:u');
  });

  it('the fast keyword may come first', () => {
    expect(runLines([...USER_PAGES, 'sim contig-range fast 2048 2560']).stdout.slice(2)).toEqual(['3 err EBUSY']);
  });

  it('cpu=N is the calling CPU: the migration targets come from its per-CPU list', () => {
    const target = simTarget();
    const { stdout } = runLines([...USER_PAGES, 'sim contig-range 2048 2560 cpu=1'], target);
    expect(stdout.slice(2)).toEqual(['3 ok c1 pfn=2048 pages=512 migrated=20 rounds=1']);
    expect([target.machine.buddy.pcpPages(undefined, 0), target.machine.buddy.pcpPages(undefined, 1)]).toEqual([0, 10]);
  });

  it('a live as=NAME fails with EEXIST after the fact and the range is freed again, on the calling CPU', () => {
    const target = simTarget();
    const { stdout, stderr } = runLines(['sim contig-range 30720 31232 as=r', 'sim contig-range 31232 31744 cpu=1 as=r', 'sim stat'], target);
    expect(stdout).toEqual([
      '1 ok r pfn=30720 pages=512 migrated=0 rounds=0',
      '2 err EEXIST',
      '3 free=62689 cma_free=4096 isolated_free=0 pcp=287 managed=63488',
    ]);
    expect(stderr).toBe('sim contig-range: contig range handle "r" is already live\n');
    expect([target.machine.buddy.pcpPages(undefined, 0), target.machine.buddy.pcpPages(undefined, 1)]).toEqual([0, 287]);
    expect(ownerOf(target, 30720)).toBe('contig:r');
  });
});

describe('contig-pages', () => {
  it('normal mode takes the first NR-aligned candidate, draining what is in the way', () => {
    const target = simTarget();
    const { stdout } = runLines([...USER_PAGES, 'sim contig-pages 512'], target);
    expect(stdout.slice(2)).toEqual(['3 ok c1 pfn=2048 pages=512']);
    expect(ownerOf(target, 2048)).toBe('contig:trace');
  });

  it('fast mode gives up on a candidate with pages on a per-CPU list and goes on to the next', () => {
    const target = simTarget();
    const { stdout } = runLines([...USER_PAGES, 'sim contig-pages 512 fast as=big'], target);
    expect(stdout.slice(2)).toEqual(['3 ok big pfn=3072 pages=512']);
    expect(ownerOf(target, 3072)).toBe('contig:big');
  });

  it('a GFP whose highest zone the machine lacks tries no candidate: ENOMEM', () => {
    expect(runLines(['sim contig-pages 512 GFP_KERNEL,__GFP_DMA'])).toEqual({
      stdout: ['1 err ENOMEM'],
      stderr: 'sim contig-pages: no 512-page candidate could be allocated (0 tried)\n',
    });
  });

  it('a live as=NAME fails with EEXIST and the pages are freed again', () => {
    const { stdout, stderr } = runLines(['sim contig-pages 512 as=big', 'sim stat', 'sim contig-pages 512 as=big', 'sim stat']);
    expect(stdout).toEqual([
      '1 ok big pfn=2048 pages=512',
      '2 free=62976 cma_free=4096 isolated_free=0 pcp=0 managed=63488',
      '3 err EEXIST',
      '4 free=62689 cma_free=4096 isolated_free=0 pcp=287 managed=63488',
    ]);
    expect(stderr).toBe('sim contig-pages: contig range handle "big" is already live\n');
  });
});

describe('contig-free', () => {
  it('frees every page of the range, prints in_use=0, and forgets the handle', () => {
    const target = simTarget();
    const { stdout, stderr } = runLines(['sim contig-pages 512 as=big', 'sim contig-free big', 'sim stat', 'sim contig-free big'], target);
    expect(stdout).toEqual(['1 ok big pfn=2048 pages=512', '2 ok in_use=0', '3 free=63201 cma_free=4096 isolated_free=0 pcp=287 managed=63488', '4 err ENOENT']);
    expect(stderr).toBe('sim contig-free: no live contig range handle "big"\n');
    expect([stateOf(target, 2048), stateOf(target, 2559)]).toEqual(['free', 'pcp']);
  });
});
