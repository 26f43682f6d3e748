// What the memory-hog sim verbs print when they run: generated hog names, long-term pins left in CMA, errors for hogs that are not live, and their `sim help` lines.
import { describe, expect, it } from 'vitest';
import type { MachineTarget } from '../../src/trace/machine-target.ts';
import { configTarget, helpLine } from './bch-verbs-fixtures.ts';
import { runLines, simTarget } from './trace-fixtures.ts';

/** 32 MiB with cma=16M where FOLL_LONGTERM pins do not migrate out of CMA (pinning.longtermMigratesCma = false), seed 'golden'. */
const pinsStayInCma = (): MachineTarget => configTarget({
  banks: [{ name: 'dram0', base: 0, size: '32M', zone: 'Normal' }],
  cmdline: 'cma=16M',
  pinning: { longtermMigratesCma: false },
}, 'golden');

describe('sim hog-grow', () => {
  it('reports long-term pins that stay in CMA when the machine does not migrate them out', () => {
    expect(runLines(['sim hog-grow 3000 pinned=30 longterm=50 as=cam', 'sim hog-stat cam'], pinsStayInCma()).stdout).toEqual([
      '1 ok cam pages=3000 extents=184 shortterm=450 longterm=450 in_cma=1653 longterm_in_cma=262',
      '2 pages=3000 extents=184 shortterm=450 longterm=450 in_cma=1653 longterm_in_cma=262',
    ]);
  });

  it('names a hog without as= with the first of hog1, hog2, ... that is not live', () => {
    const t = pinsStayInCma();
    expect(runLines(['sim hog-grow 10', 'sim hog-grow 10 as=hog2', 'sim hog-grow 10', 'sim hog-release hog1', 'sim hog-grow 5', 'sim hog-grow 5'], t).stdout).toEqual([
      '1 ok hog1 pages=10 extents=1 shortterm=0 longterm=0 in_cma=10 longterm_in_cma=0',
      '2 ok hog2 pages=10 extents=1 shortterm=0 longterm=0 in_cma=10 longterm_in_cma=0',
      '3 ok hog3 pages=10 extents=1 shortterm=0 longterm=0 in_cma=10 longterm_in_cma=0',
      '4 ok freed=10',
      '5 ok hog1 pages=5 extents=1 shortterm=0 longterm=0 in_cma=5 longterm_in_cma=0',
      '6 ok hog4 pages=5 extents=1 shortterm=0 longterm=0 in_cma=5 longterm_in_cma=0',
    ]);
  });
});

describe('hog verbs on a hog that is not live', () => {
  it('hog-shrink, hog-release and hog-stat are ENOENT, naming the hog', () => {
    const { stdout, stderr } = runLines(['sim hog-shrink nosuch 1', 'sim hog-release nosuch', 'sim hog-stat nosuch'], simTarget());
    expect(stdout).toEqual(['1 err ENOENT', '2 err ENOENT', '3 err ENOENT']);
    expect(stderr).toBe([
      'sim hog-shrink: no live memory hog handle "nosuch"',
      'sim hog-release: no live memory hog handle "nosuch"',
      'sim hog-stat: no live memory hog handle "nosuch"',
      '',
    ].join('\n'));
  });
});

describe('sim help describes the hog verbs', () => {
  it('with their usage and what they print', () => {
    const t = simTarget();
    expect(['hog-grow', 'hog-shrink', 'hog-release', 'hog-stat'].map((verb) => helpLine(verb, t))).toEqual([
      'sim hog-grow PAGES [pinned=PCT] [longterm=PCT] [pattern=dense|interleave|random] [as=NAME]: a memory hog (a new one, or the live hog NAME) faults in PAGES movable pages interleaved with transient buffers it frees again (pattern, default random), pins PCT% of them (longterm=PCT% of those FOLL_LONGTERM, the rest short-term); prints "ok NAME pages=N extents=E shortterm=S longterm=L in_cma=C longterm_in_cma=K"',
      'sim hog-shrink NAME PAGES: the hog unmaps randomly chosen whole extents (unpinning them first) until at least PAGES pages went; prints "ok freed=F pages=LEFT"',
      'sim hog-release NAME: the hog exits: every pin is dropped and every extent unmapped; prints "ok freed=F"',
      'sim hog-stat NAME: prints "pages=N extents=E shortterm=S longterm=L in_cma=C longterm_in_cma=K" for a live hog',
    ]);
  });
});
