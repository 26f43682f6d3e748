// The page-allocator sim verbs end to end through the trace runner on the default sim machine (256 MiB, cma=16M).
import { describe, expect, it } from 'vitest';
import { runLines, simTarget } from './trace-fixtures.ts';


describe('sim verbs for the page allocator', () => {
  it('allocates from the lowest free block after the 8 MiB kernel reservation and frees back to a fully merged state', () => {
    const { stdout } = runLines(['sim alloc 3 as=a', "sim alloc 0 'GFP_KERNEL|__GFP_ZERO'", 'sim free a', 'sim free p1', 'sim drain', 'sim stat', 'sim check']);
    expect(stdout).toEqual([
      '1 ok a pfn=2048 order=3',
      // The order-3 request refilled its per-CPU list with max(batch >> 3, 2) = 2 blocks (2048, 2056),
      // so the order-0 refill splits the next free block, at 2064.
      '2 ok p1 pfn=2064 order=0',
      '3 ok',
      '4 ok',
      '5 ok',
      '6 free=63488 cma_free=4096 isolated_free=0 pcp=0 managed=63488',
      '7 ok',
    ]);
  });

  it('rejects orders above MAX_PAGE_ORDER with ENOMEM, as alloc_pages returns NULL', () => {
    const { stdout, stderr } = runLines(['sim alloc 11']);
    expect(stdout).toEqual(['1 err ENOMEM']);
    expect(stderr).toMatch(/^sim alloc: .*MAX_PAGE_ORDER/);
  });

  it('an extra reference on a non-compound block keeps only the head page (e320d3012d25)', () => {
    const { stdout } = runLines(['sim alloc 2 as=x', 'sim get x', 'sim free x', 'sim stat', 'sim put x', 'sim drain', 'sim stat', 'sim check']);
    // Only the head page is still allocated: the order-1 and order-0 tails went back (to the per-CPU lists).
    const [, free, , , pcp] = (stdout[3] ?? '').match(/free=(\d+) cma_free=(\d+) isolated_free=(\d+) pcp=(\d+)/) ?? [];
    expect(Number(free) + Number(pcp)).toBe(63488 - 1);
    expect(stdout[6]).toBe('7 free=63488 cma_free=4096 isolated_free=0 pcp=0 managed=63488');
    expect(stdout[7]).toBe('8 ok');
  });

  it('alloc_pages_bulk fills only empty slots and counts the pre-filled ones', () => {
    const { stdout } = runLines(['sim bulk 8 prefill=0,5 as=b', 'sim free b.1', 'sim free b.7', 'sim alloc 0 GFP_KERNEL,__GFP_ZERO']);
    expect(stdout.slice(0, 3)).toEqual(['1 ok n=8 new=6', '2 ok', '3 ok']);
    expect(stdout[3]).toMatch(/^4 ok p1 pfn=\d+ order=0$/);
  });

  it('names a missing handle and an unknown gfp flag', () => {
    const t = simTarget();
    expect(runLines(['sim free nosuch'], t).stdout).toEqual(['1 err ENOENT']);
    expect(t.sim.check('alloc', ['0', 'GFP_BOGUS']).ok).toBe(false);
    expect(t.sim.check('alloc', ['0', 'cpu=9']).ok).toBe(false);
    expect(t.sim.check('bulk', ['4', 'prefill=4']).ok).toBe(false);
  });

  it('the same statements give the same hash, and events count what happened', () => {
    const lines = ['sim alloc 4', 'sim alloc 0 GFP_HIGHUSER_MOVABLE', 'sim tick 5', 'sim hash'];
    const a = runLines(lines).stdout[3];
    const b = runLines(lines).stdout[3];
    expect(a).toBe(b);
    expect(runLines(['sim alloc 0', 'sim events']).stdout[1]).toMatch(/pgalloc=1/);
  });
});

describe('sim verbs refuse reference misuse instead of corrupting the machine', () => {
  it('a second free of the same allocation and a put without a get are EINVAL', () => {
    const { stdout } = runLines(['sim alloc 3 as=x', 'sim get x', 'sim free x', 'sim free x', 'sim put x', 'sim put x', 'sim check']);
    expect(stdout).toEqual(['1 ok x pfn=2048 order=3', '2 ok', '3 ok', '4 err EINVAL', '5 ok', '6 err ENOENT', '7 ok']);
  });
});
