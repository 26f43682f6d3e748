// The pin and unpin verbs end to end: short-term and FOLL_LONGTERM pins with their references and pin counts, handle names, and run-time errors.
import { describe, expect, it } from 'vitest';
import { pinCountOf, refcountOf } from './contig-verbs-fixtures.ts';
import { runLines, simTarget } from './trace-fixtures.ts';

describe('pin', () => {
  it('a short-term pin takes one extra reference and no pin count, and counts as shortterm_pin', () => {
    const target = simTarget();
    const { stdout } = runLines(['sim user-map 4 as=app', 'sim lru-drain', 'sim pin app 0', 'sim events'], target);
    expect(stdout).toEqual([
      '1 ok app pages=4 in_cma=0',
      '2 ok pending=0',
      '3 ok pin1 pinned=1 migrated=0',
      '4 pgalloc=4 pcp_refill=1 shortterm_pin=1',
    ]);
    expect([refcountOf(target, 2048), pinCountOf(target, 2048)]).toEqual([2, 0]);
  });

  it('a long-term pin of COUNT pages takes a reference and a pin count on each, and unpin gives both back', () => {
    const target = simTarget();
    const { stdout } = runLines(['sim user-map 4 as=app', 'sim lru-drain', 'sim pin longterm app 1 2 as=lt', 'sim events'], target);
    expect(stdout.slice(2)).toEqual(['3 ok lt pinned=2 migrated=0', '4 pgalloc=4 pcp_refill=1 longterm_pin=2']);
    expect([2049, 2050].map((pfn) => [refcountOf(target, pfn), pinCountOf(target, pfn)])).toEqual([[2, 1], [2, 1]]);
    expect(runLines(['sim unpin lt', 'sim unpin lt'], target)).toEqual({ stdout: ['1 ok', '2 err ENOENT'], stderr: 'sim unpin: no live pin handle "lt"\n' });
    expect([2049, 2050].map((pfn) => [refcountOf(target, pfn), pinCountOf(target, pfn)])).toEqual([[1, 0], [1, 0]]);
  });

  it('a live as=PIN fails with EEXIST and the new pin is dropped at once', () => {
    const target = simTarget();
    const { stdout, stderr } = runLines(['sim user-map 4 as=app', 'sim lru-drain', 'sim pin app 0 as=p', 'sim pin app 3 longterm as=p'], target);
    expect(stdout.slice(2)).toEqual(['3 ok p pinned=1 migrated=0', '4 err EEXIST']);
    expect(stderr).toBe('sim pin: pin handle "p" is already live\n');
    expect([refcountOf(target, 2051), pinCountOf(target, 2051)]).toEqual([1, 0]);
    expect(refcountOf(target, 2048)).toBe(2);
  });

  it('pages that leave the mapping are EFAULT: the first slot by the mapping check, the rest by GUP', () => {
    const { stdout, stderr } = runLines(['sim user-map 4 as=app', 'sim pin app 4', 'sim pin app 3 2', 'sim pin app x']);
    expect(stdout).toEqual(['1 ok app pages=4 in_cma=0', '2 err EFAULT', '3 err EFAULT', '4 err EINVAL']);
    expect(stderr).toBe(
      'sim pin: slot 4 outside the 4-page mapping app\n' +
      'sim pin: slots [3, 5) outside the 4-page mapping\n' +
      'sim pin: SLOT must be a number, got "x"\n',
    );
  });

  it('pinning through an unknown mapping, or unpinning an unknown pin, is ENOENT', () => {
    const { stdout, stderr } = runLines(['sim pin nomap 0', 'sim unpin nopin']);
    expect(stdout).toEqual(['1 err ENOENT', '2 err ENOENT']);
    expect(stderr).toBe('sim pin: no live user mapping handle "nomap"\nsim unpin: no live pin handle "nopin"\n');
  });
});
