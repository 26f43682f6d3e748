// What the page-allocator sim verbs print and change when they run: handles, owner labels, node and CPU choice, reference counting, bulk slots, drain, tick, the checker, events, and their `sim help` lines.
import { describe, expect, it } from 'vitest';
import type { MachineTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';
import { configTarget, helpLine } from './bch-verbs-fixtures.ts';
import { ownerOf, runLines, simTarget } from './trace-fixtures.ts';

/** Two 128 MiB nodes, no CMA: node 0 holds pfns 0..32767, node 1 pfns 32768..65535. */
const twoNodes = (): MachineTarget => configTarget({
  banks: [
    { name: 'n0', base: 0, size: '128M', zone: 'Normal', node: 0 },
    { name: 'n1', base: '128M', size: '128M', zone: 'Normal', node: 1 },
  ],
});

/** The owner registered last: its kind, label and how many pages it holds. */
function lastOwner(t: MachineTarget): { kind: string; label: string; pages: number } {
  const { owners, buddy } = t.machine;
  const id = owners.count;
  return { kind: owners.kindOf(id), label: owners.labelOf(id), pages: buddy.table.owner.filter((owner) => owner === id).length };
}

describe('sim alloc', () => {
  it('charges the pages to a test owner labelled with the handle, or "trace" without as=', () => {
    const t = simTarget();
    expect(runLines(['sim alloc 0', 'sim alloc 1 as=fb'], t).stdout).toEqual(['1 ok p1 pfn=2048 order=0', '2 ok fb pfn=2064 order=1']);
    expect(ownerOf(t, 2048)).toBe('test:trace');
    expect(ownerOf(t, 2064)).toBe('test:fb');
  });

  it('node=N picks the preferred node; without it the first node serves', () => {
    const t = twoNodes();
    expect(runLines(['sim alloc 0 node=1', 'sim alloc 0', 'sim alloc 0 node=0'], t).stdout).toEqual([
      '1 ok p1 pfn=32768 order=0',
      '2 ok p2 pfn=2048 order=0',
      '3 ok p3 pfn=2049 order=0',
    ]);
  });

  it('node=N must name a node with memory: checked before the trace runs', () => {
    const loaded = loadTrace('sim alloc 0 node=5\n', 't.trace', simTarget().sim);
    expect(loaded).toEqual({ ok: false, errno: 'EINVAL', detail: 't.trace:1: sim alloc: node=5: no such node (nodes with memory: 0) (usage: sim alloc ORDER [GFP] [cpu=N] [node=N] [as=NAME]): sim alloc 0 node=5' });
    expect(runLines(['sim alloc 0 node=1'], twoNodes()).stdout).toEqual(['1 ok p1 pfn=32768 order=0']);
    expect(twoNodes().sim.check('alloc', ['0', 'node=2'])).toEqual({ ok: false, errno: 'EINVAL', detail: 'sim alloc: node=2: no such node (nodes with memory: 0, 1) (usage: sim alloc ORDER [GFP] [cpu=N] [node=N] [as=NAME])' });
  });

  it('without node=, a machine whose only node is 1 allocates there', () => {
    const t = configTarget({ banks: [{ name: 'n1', base: 0, size: '64M', zone: 'Normal', node: 1 }] });
    expect(runLines(['sim alloc 0'], t).stdout).toEqual(['1 ok p1 pfn=1024 order=0']);
  });

  it('a handle name already live is EEXIST and the pages just allocated go back', () => {
    const t = simTarget();
    const { stdout, stderr } = runLines(['sim alloc 0 as=x', 'sim alloc 1 as=x', 'sim stat', 'sim free x', 'sim drain', 'sim stat'], t);
    expect(stdout).toEqual([
      '1 ok x pfn=2048 order=0',
      '2 err EEXIST',
      // free + pcp = 63487: only x's one page is held.
      '3 free=63459 cma_free=4096 isolated_free=0 pcp=28 managed=63488',
      '4 ok',
      '5 ok',
      '6 free=63488 cma_free=4096 isolated_free=0 pcp=0 managed=63488',
    ]);
    expect(stderr).toBe('sim alloc: page allocation handle "x" is already live\n');
  });
});

describe('sim free, get and put', () => {
  it('each get allows one put; a put beyond them is EINVAL and the page stays with its caller', () => {
    const t = simTarget();
    const { stdout, stderr } = runLines(['sim alloc 0 as=x', 'sim get x', 'sim get x', 'sim put x', 'sim put x', 'sim put x', 'sim free x', 'sim check'], t);
    expect(stdout).toEqual(['1 ok x pfn=2048 order=0', '2 ok', '3 ok', '4 ok', '5 ok', '6 err EINVAL', '7 ok', '8 ok']);
    expect(stderr).toBe('sim put: x holds no extra reference (use "free" for the caller\'s own)\n');
  });

  it('after get and put the caller still frees its own reference, and the page goes back', () => {
    const t = simTarget();
    expect(runLines(['sim alloc 0 as=x', 'sim get x', 'sim put x', 'sim free x', 'sim free x', 'sim drain', 'sim stat'], t).stdout).toEqual([
      '1 ok x pfn=2048 order=0',
      '2 ok',
      '3 ok',
      '4 ok',
      '5 err ENOENT',
      '6 ok',
      '7 free=63488 cma_free=4096 isolated_free=0 pcp=0 managed=63488',
    ]);
  });

  it('a second free while a get reference is held is EINVAL, naming what to do instead', () => {
    const t = simTarget();
    const { stdout, stderr } = runLines(['sim alloc 0 as=x', 'sim get x', 'sim free x', 'sim free x', 'sim put x'], t);
    expect(stdout).toEqual(['1 ok x pfn=2048 order=0', '2 ok', '3 ok', '4 err EINVAL', '5 ok']);
    expect(stderr).toBe('sim free: x was already freed; only "put" may drop its remaining references\n');
  });
});

describe('sim bulk', () => {
  it('fills the empty slots only, names them PREFIX.SLOT and charges them to a test owner labelled PREFIX', () => {
    const t = simTarget();
    expect(runLines(['sim bulk 4 prefill=1,,3 cpu=1 as=b'], t).stdout).toEqual(['1 ok n=4 new=2']);
    expect(lastOwner(t)).toEqual({ kind: 'test', label: 'b', pages: 2 });
    expect(runLines(['sim free b.1', 'sim free b.3', 'sim free b.2', 'sim free b.0', 'sim drain cpu=0', 'sim stat'], t).stdout).toEqual([
      '1 err ENOENT',
      '2 err ENOENT',
      '3 ok',
      '4 ok',
      '5 ok',
      // The pages came from CPU 1's lists and went back there: draining CPU 0 leaves them.
      '6 free=63473 cma_free=4096 isolated_free=0 pcp=15 managed=63488',
    ]);
  });

  it('a PREFIX.SLOT name already live is EEXIST and nothing is allocated', () => {
    const t = simTarget();
    const { stdout, stderr } = runLines(['sim bulk 2 as=b', 'sim stat', 'sim bulk 3 prefill=0 as=b', 'sim bulk 1 prefill=0 as=b', 'sim stat'], t);
    expect(stdout).toEqual([
      '1 ok n=2 new=2',
      // free + pcp = 63486: b.0 and b.1 are held, before the clash and after it.
      '2 free=63473 cma_free=4096 isolated_free=0 pcp=13 managed=63488',
      '3 err EEXIST',
      '4 ok n=1 new=0',
      '5 free=63473 cma_free=4096 isolated_free=0 pcp=13 managed=63488',
    ]);
    expect(stderr).toBe('sim bulk: page allocation handle "b.1" is already live\n');
  });

  it('without as= no slot name is checked: a handle named "undefined.0" does not clash', () => {
    expect(runLines(['sim alloc 0 as=undefined.0', 'sim bulk 1'], simTarget()).stdout).toEqual(['1 ok undefined.0 pfn=2048 order=0', '2 ok n=1 new=1']);
  });

  it('without as= the pages get the next pN names and a "bulk" owner', () => {
    const t = simTarget();
    expect(runLines(['sim bulk 3'], t).stdout).toEqual(['1 ok n=3 new=3']);
    expect(lastOwner(t)).toEqual({ kind: 'test', label: 'bulk', pages: 3 });
    expect(runLines(['sim free p1', 'sim free p3', 'sim alloc 0'], t).stdout).toEqual(['1 ok', '2 ok', expect.stringMatching(/^3 ok p4 pfn=\d+ order=0$/)]);
  });

  it('a bulk allocation that gets nothing names no page', () => {
    const t = simTarget();
    expect(runLines(['sim fault page_alloc 1', 'sim bulk 4', 'sim free p1', 'sim stat'], t).stdout).toEqual([
      '1 ok page_alloc armed=1',
      '2 ok n=0 new=0',
      '3 err ENOENT',
      '4 free=63488 cma_free=4096 isolated_free=0 pcp=0 managed=63488',
    ]);
  });
});

describe('sim drain and sim tick', () => {
  it('drain cpu=N empties only that CPU\'s lists; drain alone empties all', () => {
    const t = simTarget();
    expect(runLines(['sim alloc 0', 'sim alloc 0 cpu=1', 'sim stat', 'sim drain cpu=1', 'sim stat', 'sim drain cpu=0', 'sim stat'], t).stdout).toEqual([
      '1 ok p1 pfn=2048 order=0',
      '2 ok p2 pfn=2063 order=0',
      '3 free=63458 cma_free=4096 isolated_free=0 pcp=28 managed=63488',
      '4 ok',
      '5 free=63472 cma_free=4096 isolated_free=0 pcp=14 managed=63488',
      '6 ok',
      '7 free=63486 cma_free=4096 isolated_free=0 pcp=0 managed=63488',
    ]);
    expect(runLines(['sim alloc 0', 'sim alloc 0 cpu=1', 'sim drain', 'sim stat'], simTarget()).stdout[3]).toBe(
      '4 free=63486 cma_free=4096 isolated_free=0 pcp=0 managed=63488',
    );
  });

  it('tick advances virtual time by 1 ms by default, or by NS nanoseconds', () => {
    expect(runLines(['sim tick', 'sim tick 5', 'sim tick 0'], simTarget()).stdout).toEqual(['1 ok now=1000000', '2 ok now=1000005', '3 ok now=1000005']);
  });
});

describe('sim check and sim events', () => {
  it('check prints the number of violations and the first one when the state is corrupt', () => {
    const t = simTarget();
    expect(runLines(['sim alloc 0 as=x', 'sim check'], t).stdout).toEqual(['1 ok x pfn=2048 order=0', '2 ok']);
    const table = t.machine.buddy.table;
    table.refcount[table.pageIndex(2048)] = 0;
    expect(runLines(['sim check'], t).stdout).toEqual(['1 bad 1: zone 0 (node 0, Normal): allocation head 2048 has refcount 0']);
  });

  it('events lists only the counters that moved, space separated', () => {
    const t = simTarget();
    expect(runLines(['sim events', 'sim alloc 0', 'sim events'], t).stdout).toEqual([
      '1',
      '2 ok p1 pfn=2048 order=0',
      '3 pgalloc=1 alloc_fallback=1 alloc_steal_block=1 pcp_refill=1',
    ]);
  });
});

describe('sim help describes the page-allocator verbs', () => {
  it('with their usage and what they print', () => {
    const t = simTarget();
    expect(['alloc', 'free', 'get', 'put', 'bulk', 'drain', 'tick', 'check', 'hash', 'stat', 'events'].map((verb) => helpLine(verb, t))).toEqual([
      'sim alloc ORDER [GFP] [cpu=N] [node=N] [as=NAME]: alloc_pages(GFP, ORDER) (default GFP_KERNEL); prints "ok NAME pfn=PFN order=ORDER" or "err ENOMEM"',
      'sim free NAME: __free_pages() of a trace allocation (drops the caller\'s reference; tails of a non-compound block go at once)',
      'sim get NAME: get_page(): takes an extra reference on the allocation head',
      'sim put NAME: put_page(): drops an extra reference taken with "get"; at zero the page is freed at its compound order',
      'sim bulk NR [GFP] [prefill=I,J,...] [cpu=N] [as=PREFIX]: alloc_pages_bulk() into an NR-slot array (prefill marks slots already holding a page); prints "ok n=R new=K"',
      'sim drain [cpu=N]: drain_all_pages() (or drain_local_pages() of one CPU): per-CPU lists back to the buddy lists',
      'sim tick [NS]: advances virtual time (default 1 ms) and runs the background workers once',
      'sim check: runs the structural checker; prints "ok" or "bad N: FIRST-VIOLATION"',
      'sim hash: prints the machine state hash (same config, seed and statements give the same hash)',
      'sim stat: prints free, cma_free, isolated_free, pcp and managed page counts',
      'sim events: prints every non-zero vm event counter as NAME=COUNT',
    ]);
  });
});
