// The memory-hog sim verbs and `sim pressure ... order=N` end to end through the trace runner: a hog fragments memory, a pressure event compacts it, the hog shrinks, grows again and exits.
import { describe, expect, it } from 'vitest';
import type { MachineTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';
import { runLines, simTarget } from './trace-fixtures.ts';

/** The hog machines: `memMiB` MiB, seed 'golden'. */
const target = (memMiB = 64, cmdline = ''): MachineTarget => simTarget({ memMiB, cmdline, seed: 'golden' });
const run = (lines: readonly string[], t = target()): string[] => runLines(lines, t).stdout;

describe('hog verbs', () => {
  it('a hog fragments 64 MiB, pressure with order=9 compacts one block free, the hog shrinks, grows and exits', () => {
    // 7526 pages = 49% of the 15360 free pages, interleaved with as many transient pages: the rest is 16-page holes.
    expect(run([
      'sim hog-grow 7526 pinned=1 longterm=50 pattern=interleave as=game',
      'cat /proc/buddyinfo',
      'sim pressure 64 order=9',
      'cat /proc/buddyinfo',
      'sim hog-stat game',
      'sim hog-shrink game 1000',
      'sim hog-grow 100 as=game',
      'sim hog-grow 50',
      'sim hog-release hog1',
      'sim hog-release game',
      'sim hog-stat game',
    ])).toEqual([
      '1 ok game pages=7526 extents=471 shortterm=37 longterm=38 in_cma=0 longterm_in_cma=0',
      '2 Node 0, zone   Normal      0      1      1      2    464      1      0      0      1      0      0',
      '3 ok asked=64 freed=0 priority=0 migrated=1014 rebuilt=1',
      '4 Node 0, zone   Normal     10     11     10      8    371      7      6      3      1      1      0',
      '5 pages=7526 extents=471 shortterm=37 longterm=38 in_cma=0 longterm_in_cma=0',
      '6 ok freed=1014 pages=6512',
      '7 ok game pages=6612 extents=416 shortterm=30 longterm=33 in_cma=0 longterm_in_cma=0',
      '8 ok hog1 pages=50 extents=3 shortterm=0 longterm=0 in_cma=0 longterm_in_cma=0',
      '9 ok freed=50',
      '10 ok freed=6612',
      '11 err ENOENT',
    ]);
  });

  it('long-term pins leave CMA; pressure without order= prints the shrinker result only', () => {
    const out = run(['sim hog-grow 3000 pinned=30 longterm=50 as=cam', 'sim pressure 10'], target(32, 'cma=16M'));
    expect(out[0]).toMatch(/^1 ok cam pages=3000 extents=\d+ shortterm=450 longterm=450 in_cma=[1-9]\d* longterm_in_cma=0$/);
    expect(out[1]).toBe('2 ok asked=10 freed=0 priority=0');
  });

  it('a grow the machine cannot hold fails with ENOMEM and keeps nothing', () => {
    const t = target(32);
    const free = t.machine.buddy.nrFreePages() + t.machine.buddy.pcpPages();
    expect(run(['sim hog-grow 100000 as=big', 'sim hog-stat big', 'sim lru-drain'], t)).toEqual(['1 err ENOMEM', '2 err ENOENT', '3 ok pending=0']);
    expect(t.machine.buddy.nrFreePages() + t.machine.buddy.pcpPages()).toBe(free);
  });

  it('rejects bad arguments before anything runs', () => {
    const t = target();
    for (const bad of ['sim hog-grow', 'sim hog-grow 0', 'sim hog-grow 10 pinned=101', 'sim hog-grow 10 pattern=zigzag', 'sim hog-grow 10 size=3',
      'sim hog-shrink x', 'sim hog-release', 'sim pressure 10 order=0', 'sim pressure 10 order=11']) {
      expect(loadTrace(bad, 't.trace', t.sim).ok, bad).toBe(false);
    }
  });
});
