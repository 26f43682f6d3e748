// What the heap verbs print about what happened: the dma-heap-alloc probe on a heap that hands out stale data, heap-alloc's orders line, pool-stat for every pool variant, the shrink walk, and the gfp mask and kswapd flag a pressure event hands to shrinkers.
import { describe, expect, it } from 'vitest';
import { GFP_ATOMIC, GFP_KERNEL, GFP_NOFS, GFP_NOIO } from '../../src/mem/gfp.ts';
import { blocksHeap, heapTarget, recordingShrinker } from './heap-verbs-fixtures.ts';
import { runLines, simTarget } from './trace-fixtures.ts';

describe('dma-heap-alloc probe on a user heap', () => {
  it('prints zero=0 when the heap hands out a page that still holds the previous user\'s data (no __GFP_ZERO)', () => {
    const t = simTarget();
    expect(t.machine.heaps.add(blocksHeap(t.machine, 'stale', [0], false))).toEqual({ ok: true, value: undefined });
    expect(t.machine.heaps.add(blocksHeap(t.machine, 'clean', [0], true))).toEqual({ ok: true, value: undefined });
    const out = runLines([
      'sim heap-alloc system 4K as=d',
      'sim buf-map d',
      'sim buf-write m1',
      'sim buf-unmap m1',
      'sim buf-close d',
      'dma-heap-alloc stale 4096',
      'dma-heap-alloc clean 4096',
      'dma-heap-alloc stale 4096 0x80001',
    ], t);
    expect(out.stdout).toEqual([
      '1 ok d len=4096 chunks=1 orders=0:1',
      '2 ok m1 pages=1',
      '3 ok tag=1 pages=1',
      '4 ok refs=1',
      '5 ok refs=0',
      '6 ok len=4096 zero=0',
      '7 ok len=4096 zero=1',
      '8 ok len=4096 mmap=EACCES',
    ]);
    expect(t.machine.heaps.buffers.live()).toEqual([]);
  });
});

describe('heap-alloc orders=', () => {
  it('lists ORDER:COUNT from the largest order down, whatever order the heap\'s sg list has', () => {
    const t = simTarget();
    t.machine.heaps.add(blocksHeap(t.machine, 'mixed', [0, 2, 0, 1], true));
    const out = runLines(['sim heap-alloc mixed 1 as=x', 'sim buf-stat x'], t);
    expect(out.stdout).toEqual(['1 ok x len=32768 chunks=4 orders=2:1,1:1,0:2', '2 heap=mixed len=32768 refs=1 fds=1 maps=0 attach=0 released=0']);
  });
});

describe('pool-stat', () => {
  it('names a static pool variant without a style', () => {
    const out = runLines(['sim heap-alloc system 1M as=s', 'sim buf-close s', 'sim pool-stat'], heapTarget({ system: { pool: 'static' } }));
    expect(out.stdout).toEqual(['1 ok s len=1048576 chunks=1 orders=8:1', '2 ok refs=0', '3 heap system pools=static pages=256 cached/o8=1']);
  });

  it('lists a system-heap family once (under its head), and an empty TTM pool counts SHRINK_EMPTY', () => {
    const t = heapTarget({ system: { pool: 'shrinker', shrinkerStyle: 'ttm', variants: [{ name: 'system-uncached', caching: 'uncached' }] } });
    const out = runLines([
      'sim heaps',
      'sim pool-stat',
      'sim heap-alloc system-uncached 1M as=u',
      'sim buf-close u',
      'sim pool-stat',
      'sim shrink 1',
      'sim pool-stat',
    ], t);
    expect(out.stdout).toEqual([
      '1 system system-uncached',
      '2 heap system pools=shrinker/ttm pages=0 shrinker dmabuf-page-pool count=SHRINK_EMPTY',
      '3 ok u len=1048576 chunks=1 orders=8:1',
      '4 ok refs=0',
      '5 heap system pools=shrinker/ttm pages=256 uncached/o8=1 shrinker dmabuf-page-pool count=256',
      '6 ok freed=256',
      '7 heap system pools=shrinker/ttm pages=0 shrinker dmabuf-page-pool count=SHRINK_EMPTY',
    ]);
  });

  it('prints nothing on a machine without pools or shrinkers', () => {
    const out = runLines(['sim pool-stat', 'sim heaps'], simTarget());
    expect(out.stdout).toEqual(['1 heap system pools=none pages=0', '2 system reserved']);
  });
});

describe('shrink without a name', () => {
  const pooled = (): ReturnType<typeof heapTarget> => heapTarget({ system: { pool: 'shrinker', deferredFree: true } });

  it('stops once a shrinker freed more than asked: the deferred-free list gives a whole 16-page buffer for 1 page', () => {
    const out = runLines([
      'sim heap-alloc system 1M as=a',
      'sim heap-alloc system 64K as=b',
      'sim buf-close a',
      'sim buf-close b',
      'sim shrink 1',
      'sim pool-stat',
    ], pooled());
    expect(out.stdout).toEqual([
      '1 ok a len=1048576 chunks=1 orders=8:1',
      '2 ok b len=65536 chunks=1 orders=4:1',
      '3 ok refs=0',
      '4 ok refs=0',
      '5 ok freed=16',
      '6 heap system pools=shrinker/ion pages=0 heap system deferred items=1 pages=256 shrinker dmabuf-deferred-free count=256 shrinker dmabuf-page-pool count=0',
    ]);
  });

  it('asks the next shrinker only for what is still missing', () => {
    const out = runLines([
      'sim heap-alloc system 1M as=a',
      'sim heap-alloc system 64K as=b',
      'sim heap-alloc system 64K as=c',
      'sim buf-close a',
      'sim buf-close b',
      'sim tick',
      'sim buf-close c',
      'sim pool-stat',
      'sim shrink 32',
      'sim pool-stat',
    ], pooled());
    expect(out.stdout.slice(7)).toEqual([
      '8 heap system pools=shrinker/ion pages=272 cached/o8=1 cached/o4=1 heap system deferred items=1 pages=16 shrinker dmabuf-deferred-free count=16 shrinker dmabuf-page-pool count=272',
      '9 ok freed=32',
      '10 heap system pools=shrinker/ion pages=256 cached/o8=1 heap system deferred items=0 pages=0 shrinker dmabuf-deferred-free count=0 shrinker dmabuf-page-pool count=256',
    ]);
  });

  it('does not even count the shrinkers after the one that met the target', () => {
    const t = pooled();
    const late = recordingShrinker('late');
    expect(t.machine.shrinkers.register(late)).toEqual({ ok: true, value: undefined });
    const out = runLines(['sim heap-alloc system 64K as=b', 'sim buf-close b', 'sim shrink 16', 'sim shrink 1'], t);
    expect(out.stdout).toEqual(['1 ok b len=65536 chunks=1 orders=4:1', '2 ok refs=0', '3 ok freed=16', '4 ok freed=0']);
    // Only `shrink 1` reached it (nothing was left to free before it): one scan_objects call with nr_to_scan 1, counted before and after.
    expect(late.seen).toEqual([{ gfp: GFP_KERNEL, nrToScan: 1, isKswapd: false }, { gfp: GFP_KERNEL, nrToScan: 1, isKswapd: false }]);
  });

  it('frees nothing when no shrinker is registered', () => {
    expect(runLines(['sim shrink 10'], simTarget()).stdout).toEqual(['1 ok freed=0']);
  });
});

describe('pressure hands its gfp mask and kswapd flag to the shrinkers', () => {
  const cases: readonly (readonly [string, number, boolean])[] = [
    ['sim pressure 1', GFP_KERNEL, false],
    ['sim pressure 1 GFP_NOFS', GFP_NOFS, false],
    ['sim pressure 1 GFP_NOFS kswapd', GFP_NOFS, true],
    ['sim pressure 1 kswapd GFP_NOIO', GFP_NOIO, true],
    ['sim pressure 1 kswapd', GFP_KERNEL, true],
    ['sim pressure 1 GFP_ATOMIC order=2', GFP_ATOMIC, false],
  ];
  for (const [statement, gfp, kswapd] of cases) {
    it(`${statement}: every priority 12..0 counts with gfp 0x${gfp.toString(16)}, isKswapd ${kswapd}`, () => {
      const t = simTarget();
      const shrinker = recordingShrinker('recorder');
      t.machine.shrinkers.register(shrinker);
      const out = runLines([statement], t);
      expect(out.stdout).toEqual([statement.includes('order=') ? '1 ok asked=1 freed=0 priority=0 migrated=0 rebuilt=0' : '1 ok asked=1 freed=0 priority=0']);
      expect(shrinker.seen).toEqual(Array.from({ length: 13 }, () => ({ gfp, nrToScan: 0, isKswapd: kswapd })));
    });
  }

  it('asking for 0 pages runs no shrinker', () => {
    const t = simTarget();
    const shrinker = recordingShrinker('recorder');
    t.machine.shrinkers.register(shrinker);
    expect(runLines(['sim pressure 0'], t).stdout).toEqual(['1 ok asked=0 freed=0 priority=12']);
    expect(shrinker.seen).toEqual([]);
  });
});
