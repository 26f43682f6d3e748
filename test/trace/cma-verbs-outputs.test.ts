// What the CMA sim verbs print and change when they run: cma-alloc alignment and failures, device allocations, cma-bulk results, modes and alignment, handle collisions, cma-release, cma-info, and their `sim help` lines.
import { describe, expect, it } from 'vitest';
import type { MachineTarget } from '../../src/trace/machine-target.ts';
import { configTarget, helpLine } from './bch-verbs-fixtures.ts';
import { runLines, simTarget } from './trace-fixtures.ts';

const BITMAP = 'cat /sys/kernel/debug/cma/reserved/bitmap';

/** The first u32 word of the default area's debugfs bitmap (pages 61440..61471). */
const firstBitmapWord = (t: MachineTarget): string => runLines([BITMAP], t).stdout[0]!.split(' ')[1]!;

/** The default sim machine (256 MiB, cma=16M) with a device "cam" that lists no area, so it uses the default one. */
const withCamera = (): MachineTarget => configTarget({
  banks: [{ name: 'dram0', base: 0, size: '256M', zone: 'Normal' }],
  cmdline: 'cma=16M',
  devices: [{ name: 'cam' }],
});

describe('sim cma-alloc', () => {
  it('aligns to 2^ALIGN_ORDER pages (default 0) and names handles cma1, cma2, ... without as=', () => {
    const t = simTarget();
    expect(runLines(['sim cma-alloc reserved 1', 'sim cma-alloc reserved 1 4 as=a', 'sim cma-alloc reserved 1'], t).stdout).toEqual([
      '1 ok cma1 pfn=61440 tries=1',
      '2 ok a pfn=61456 tries=1',
      '3 ok cma2 pfn=61441 tries=1',
    ]);
  });

  it('fails with the error of cma_alloc and keeps nothing', () => {
    const t = simTarget();
    const { stdout, stderr } = runLines(['sim cma-alloc reserved 5000', 'sim cma-alloc nosuch 1', 'sim cma-release cma1', 'sim cma-alloc reserved 1'], t);
    expect(stdout).toEqual(['1 err ENOMEM', '2 err ENOENT', '3 err ENOENT', '4 ok cma1 pfn=61440 tries=1']);
    expect(stderr).toBe([
      'sim cma-alloc: cma_alloc(reserved, 5000): 5000 bits > maxno 4096',
      'sim cma-alloc: no CMA area named "nosuch"',
      'sim cma-release: no live CMA allocation handle "cma1"',
      '',
    ].join('\n'));
  });

  it('a handle name already live is EEXIST and the pages just allocated go back to the area', () => {
    const t = simTarget();
    const { stdout, stderr } = runLines(['sim cma-alloc reserved 10 as=a', 'sim cma-alloc reserved 20 as=a', 'sim cma-info reserved'], t);
    expect(stdout).toEqual([
      '1 ok a pfn=61440 tries=1',
      '2 err EEXIST',
      '3 base_pfn=61440 count=4096 order_per_bit=0 used=10 maxchunk=4086 success=30 fail=0 released=20',
    ]);
    expect(stderr).toBe('sim cma-alloc: CMA allocation handle "a" is already live\n');
  });
});

describe('sim device-alloc', () => {
  it('allocates from the device\'s area, prints it, and cma-release gives every page back', () => {
    const t = withCamera();
    const { stdout, stderr } = runLines([
      'sim device-alloc cam 10 as=d',
      'sim device-alloc cam 5 4',
      'sim device-alloc cam 3 as=d',
      'sim cma-info reserved',
      'sim cma-release d',
      'sim cma-release cma1',
      'sim cma-info reserved',
    ], t);
    expect(stdout).toEqual([
      '1 ok d area=reserved pfn=61440',
      '2 ok cma1 area=reserved pfn=61456',
      '3 err EEXIST',
      // The 3 pages of the refused handle went back at once.
      '4 base_pfn=61440 count=4096 order_per_bit=0 used=15 maxchunk=4075 success=18 fail=0 released=3',
      '5 ok',
      '6 ok',
      '7 base_pfn=61440 count=4096 order_per_bit=0 used=0 maxchunk=4096 success=18 fail=0 released=18',
    ]);
    expect(stderr).toBe('sim device-alloc: CMA allocation handle "d" is already live\n');
  });

  it('a device allocation no area can serve fails and names no handle', () => {
    const t = withCamera();
    const { stdout, stderr } = runLines(['sim device-alloc cam 5000', 'sim cma-release cma1'], t);
    expect(stdout).toEqual(['1 err ENOMEM', '2 err ENOENT']);
    expect(stderr).toBe('sim device-alloc: device cam: reserved: ENOMEM\nsim cma-release: no live CMA allocation handle "cma1"\n');
  });
});

describe('sim cma-bulk', () => {
  it('prints "ok NAME nr_allocated=N" when every chunk was allocated, even none', () => {
    const t = simTarget();
    expect(runLines(['sim cma-bulk reserved 0 0', 'sim cma-bulk reserved 2 3 as=b', 'sim cma-info reserved', 'sim cma-release b', 'sim cma-info reserved'], t).stdout).toEqual([
      '1 ok cma1 nr_allocated=0',
      '2 ok b nr_allocated=3',
      '3 base_pfn=61440 count=4096 order_per_bit=0 used=12 maxchunk=4084 success=0 fail=0 released=0',
      '4 ok',
      '5 base_pfn=61440 count=4096 order_per_bit=0 used=0 maxchunk=4096 success=0 fail=0 released=12',
    ]);
  });

  it('prints the error when nothing was allocated', () => {
    const t = simTarget();
    const { stdout, stderr } = runLines(['sim cma-bulk nosuch 0 1', 'sim cma-alloc reserved 4000', 'sim cma-bulk reserved 7 1', 'sim cma-release cma2'], t);
    expect(stdout).toEqual(['1 err ENOENT', '2 ok cma1 pfn=61440 tries=1', '3 err EBUSY', '4 err ENOENT']);
    expect(stderr).toBe([
      'sim cma-bulk: cma_alloc_bulk(nosuch): nothing allocated',
      'sim cma-bulk: cma_alloc_bulk(reserved): nothing allocated',
      'sim cma-release: no live CMA allocation handle "cma2"',
      '',
    ].join('\n'));
  });

  it('aligns each chunk to ORDER by default, or to ALIGN_ORDER when given', () => {
    const t = simTarget();
    // Page 61440 is taken first: an order-2 chunk aligned to 0 starts right after it, one aligned to 2 at 61444.
    expect(runLines(['sim cma-alloc reserved 1', 'sim cma-bulk reserved 2 1 0 as=b'], t).stdout).toEqual(['1 ok cma1 pfn=61440 tries=1', '2 ok b nr_allocated=1']);
    expect(firstBitmapWord(t)).toBe('31');
    expect(runLines(['sim cma-release b', 'sim cma-bulk reserved 2 1'], t).stdout).toEqual(['1 ok', '2 ok cma2 nr_allocated=1']);
    expect(firstBitmapWord(t)).toBe('241');
  });

  it('fast gives up on a chunk whose page gained a reference during migration; normal retries it', () => {
    // 32 MiB with cma=16M: the user mapping lands partly in CMA, and one transient pin hits the first migration.
    const lines = (mode: string): string[] => ['sim user-map 3000 as=u', 'sim fault transient_pin 1', `sim cma-bulk reserved 9 8 ${mode}`.trimEnd(), 'sim user-info u'];
    expect(runLines(lines('fast'), simTarget({ memMiB: 32 })).stdout).toEqual([
      '1 ok u pages=3000 in_cma=1756',
      '2 ok transient_pin armed=1',
      '3 partial cma1 nr_allocated=7 ret=EBUSY',
      '4 pages=3000 backing=anon in_cma=481 first_pfn=2007',
    ]);
    expect(runLines(lines(''), simTarget({ memMiB: 32 })).stdout).toEqual([
      '1 ok u pages=3000 in_cma=1756',
      '2 ok transient_pin armed=1',
      '3 ok cma1 nr_allocated=8',
      '4 pages=3000 backing=anon in_cma=0 first_pfn=2488',
    ]);
  });

  it('hands alloc_contig_range the mode it was asked for', () => {
    const t = simTarget();
    expect(runLines(['sim cma-bulk reserved 0 1 fast'], t).stdout).toEqual(['1 ok cma1 nr_allocated=1']);
    expect(t.machine.contig.lastReport).toMatchObject({ pfnStart: 61440, pfnEnd: 61441, mode: 'fast', drained: false });
    expect(runLines(['sim cma-bulk reserved 0 1'], t).stdout).toEqual(['1 ok cma2 nr_allocated=1']);
    expect(t.machine.contig.lastReport).toMatchObject({ pfnStart: 61441, pfnEnd: 61442, mode: 'normal', drained: true });
  });

  it('a handle name already live is EEXIST and every chunk goes back to the area', () => {
    const t = simTarget();
    const { stdout, stderr } = runLines(['sim cma-alloc reserved 2 as=a', 'sim cma-bulk reserved 0 4 as=a', 'sim cma-info reserved'], t);
    expect(stdout).toEqual([
      '1 ok a pfn=61440 tries=1',
      '2 err EEXIST',
      '3 base_pfn=61440 count=4096 order_per_bit=0 used=2 maxchunk=4094 success=2 fail=0 released=4',
    ]);
    expect(stderr).toBe('sim cma-bulk: CMA allocation handle "a" is already live\n');
  });
});

describe('sim cma-info', () => {
  it('an unknown area is ENOENT', () => {
    const { stdout, stderr } = runLines(['sim cma-info nosuch'], simTarget());
    expect(stdout).toEqual(['1 err ENOENT']);
    expect(stderr).toBe('sim cma-info: no CMA area named "nosuch"\n');
  });
});

describe('sim help describes the CMA verbs', () => {
  it('with their usage and what they print', () => {
    const t = simTarget();
    expect(['cma-alloc', 'device-alloc', 'cma-bulk', 'cma-release', 'cma-info'].map((verb) => helpLine(verb, t))).toEqual([
      'sim cma-alloc AREA PAGES [ALIGN_ORDER] [as=NAME]: cma_alloc(AREA, PAGES, ALIGN_ORDER (default 0)); prints "ok NAME pfn=P tries=T" (T windows tried) or the last error',
      'sim device-alloc DEVICE PAGES [ALIGN_ORDER] [as=NAME]: cma_alloc for a device: its areas in order (the default area when it lists none), the next when one fails; prints "ok NAME area=A pfn=P"',
      'sim cma-bulk AREA ORDER NR [ALIGN_ORDER] [fast] [as=NAME]: cma_alloc_bulk (Nov 2020 proposal): NR chunks of 2^ORDER pages, aligned to ALIGN_ORDER (default ORDER), skipping busy chunks; prints "ok NAME nr_allocated=N", "partial NAME nr_allocated=R ret=ERRNO" (release NAME either way), or the error when nothing was allocated',
      'sim cma-release NAME: cma_release() of a cma-alloc, device-alloc or cma-bulk handle (every chunk); prints "ok"',
      'sim cma-info AREA: prints "base_pfn=B count=C order_per_bit=O used=U maxchunk=M success=S fail=F released=R" for an area',
    ]);
  });
});
