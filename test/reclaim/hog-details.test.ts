// MemoryHog details: exact grow reports per pattern, full shares, owner labels, the faulting CPU, every ENOMEM and EINVAL detail with its rollback, and shrink's exact stopping point and argument assert.
import { describe, expect, it } from 'vitest';
import { FaultInjector, type FaultSite } from '../../src/env/faults.ts';
import { HOG_DENSE_EXTENT_PAGES, HOG_INTERLEAVE_PAGES } from '../../src/reclaim/hog.ts';
import { boot, envWith } from '../heaps/heap-fixtures.ts';
import { hogOf } from './reclaim-fixtures.ts';
import { assertionMessage } from '../base/assertion-message.ts';

/** A FaultInjector that, once told, lets `skip` consults of a site pass and fails the next one (should_fail_alloc_page at a chosen page). */
class FailAfter extends FaultInjector {
  private plan: { site: FaultSite; skip: number } | undefined;

  failAfter(site: FaultSite, skip: number): void {
    this.plan = { site, skip };
  }

  override shouldFail(site: FaultSite): boolean {
    if (this.plan !== undefined && this.plan.site === site) {
      if (this.plan.skip === 0) {
        this.plan = undefined;
        return true;
      }
      this.plan.skip--;
    }
    return super.shouldFail(site);
  }
}

function bootWithFaults(): { machine: ReturnType<typeof boot>; faults: FailAfter } {
  const faults = new FailAfter();
  return { machine: boot({ env: envWith(faults, 'hog') }), faults };
}

const NOTHING_PINNED = { shorttermPins: 0, longtermPins: 0, migratedForPins: 0 };

describe('grow: reports and layout', () => {
  it('a single page is a valid grow', () => {
    const machine = boot();
    const hog = hogOf(machine);
    expect(hog.grow(1, { pattern: 'dense' })).toEqual({ ok: true, value: { grownPages: 1, extents: 1, transientPages: 0, ...NOTHING_PINNED } });
    expect(hog.pageCount).toBe(1);
  });

  it('dense: whole-pageblock extents and no transient buffers', () => {
    const machine = boot();
    const hog = hogOf(machine);
    const pages = 2 * HOG_DENSE_EXTENT_PAGES + 76;
    expect(hog.grow(pages, { pattern: 'dense' })).toEqual({ ok: true, value: { grownPages: pages, extents: 3, transientPages: 0, ...NOTHING_PINNED } });
    expect(machine.user.list().map((mapping) => mapping.pageCount)).toEqual([512, 512, 76]);
  });

  it('interleave: 16-page extents, each followed by a 16-page transient buffer that the report sums', () => {
    const machine = boot();
    const hog = hogOf(machine);
    // 100 pages: six 16-page extents and a 4-page one, seven transients of 16 pages.
    expect(hog.grow(100, { pattern: 'interleave' })).toEqual({ ok: true, value: { grownPages: 100, extents: 7, transientPages: 7 * HOG_INTERLEAVE_PAGES, ...NOTHING_PINNED } });
    expect(machine.user.list().map((mapping) => mapping.pageCount)).toEqual([16, 16, 16, 16, 16, 16, 4]);
    expect(hog.extentCount).toBe(7);
  });

  it('each extent is a user owner labelled hog:NAME#N (N counts up across grows); transients are hog:NAME:transient', () => {
    const machine = boot();
    const hog = hogOf(machine, 'cam');
    const labels = (from: number): string[] => Array.from({ length: machine.owners.count - from }, (_, i) => machine.owners.labelOf(from + i + 1));
    const first = machine.owners.count;
    hog.grow(32, { pattern: 'interleave' });
    expect(labels(first)).toEqual(['hog:cam#1', 'hog:cam:transient', 'hog:cam#2', 'hog:cam:transient']);
    const second = machine.owners.count;
    hog.grow(16, { pattern: 'interleave' });
    expect(labels(second)).toEqual(['hog:cam#3', 'hog:cam:transient']);
    expect(Array.from({ length: machine.owners.count - first }, (_, i) => machine.owners.kindOf(first + i + 1))).toEqual(Array(6).fill('user'));
  });

  it('extents and transients are faulted in on the given CPU: its LRU-add batch holds the last pages', () => {
    const machine = boot();
    const hog = hogOf(machine);
    hog.grow(16, { pattern: 'interleave', cpu: 1 });
    expect(machine.user.list().map((mapping) => mapping.cpu)).toEqual([1]);
    // 16 extent pages then 16 transient pages through CPU 1's batch (drained at 15 pages): 2 still pending.
    expect(machine.user.lruPendingPages(1)).toBe(2);
    expect(machine.user.lruPendingPages(0)).toBe(0);
  });
});

describe('grow: shares', () => {
  it('pinnedFraction 1 with longtermFraction 1 pins every page FOLL_LONGTERM', () => {
    const machine = boot();
    const hog = hogOf(machine);
    const before = machine.events.get('longterm_pin');
    expect(hog.grow(10, { pattern: 'dense', pinnedFraction: 1, longtermFraction: 1 })).toEqual({ ok: true, value: { grownPages: 10, extents: 1, transientPages: 0, shorttermPins: 0, longtermPins: 10, migratedForPins: 0 } });
    expect(hog.pinnedPfns('longterm')).toHaveLength(10);
    expect(hog.pinnedPfns('shortterm')).toEqual([]);
    expect(machine.events.get('longterm_pin') - before).toBe(10);
  });

  it('pinnedFraction 1 with longtermFraction 0 takes only short-term GUP pins (no FOLL_LONGTERM)', () => {
    const machine = boot();
    const hog = hogOf(machine);
    const before = { short: machine.events.get('shortterm_pin'), long: machine.events.get('longterm_pin') };
    expect(hog.grow(10, { pattern: 'dense', pinnedFraction: 1 })).toEqual({ ok: true, value: { grownPages: 10, extents: 1, transientPages: 0, shorttermPins: 10, longtermPins: 0, migratedForPins: 0 } });
    expect(hog.pinnedPfns('shortterm')).toHaveLength(10);
    expect(hog.pinnedPfns('longterm')).toEqual([]);
    expect({ short: machine.events.get('shortterm_pin') - before.short, long: machine.events.get('longterm_pin') - before.long }).toEqual({ short: 10, long: 0 });
  });
});

describe('grow: errors', () => {
  it('EINVAL details name the hog and the bad value', () => {
    const hog = hogOf(boot());
    expect(hog.grow(0)).toEqual({ ok: false, errno: 'EINVAL', detail: 'hog app: cannot grow by 0 pages' });
    expect(hog.grow(10, { pinnedFraction: 1.5 })).toEqual({ ok: false, errno: 'EINVAL', detail: 'hog app: shares must lie in 0..1 (pinned 1.5, longterm 0)' });
    expect(hog.pageCount).toBe(0);
  });

  it('a page fault that fails in an extent is ENOMEM naming the extent and the page; nothing of the grow stays mapped', () => {
    const { machine, faults } = bootWithFaults();
    const hog = hogOf(machine);
    faults.failAfter('page_alloc', 0);
    expect(hog.grow(16, { pattern: 'interleave' })).toEqual({ ok: false, errno: 'ENOMEM', detail: 'hog app: extent 0: page 0 of 16: page_alloc fault injected' });
    // extent 0 (16 pages), transient 0 (16 pages), then page 3 of extent 1.
    faults.failAfter('page_alloc', 35);
    expect(hog.grow(48, { pattern: 'interleave' })).toEqual({ ok: false, errno: 'ENOMEM', detail: 'hog app: extent 1: page 3 of 16: page_alloc fault injected' });
    expect(hog.pageCount).toBe(0);
    expect(machine.user.list()).toEqual([]);
  });

  it('a page fault that fails in a transient buffer is ENOMEM naming the buffer; nothing of the grow stays mapped', () => {
    const { machine, faults } = bootWithFaults();
    const hog = hogOf(machine);
    faults.failAfter('page_alloc', 16);
    expect(hog.grow(48, { pattern: 'interleave' })).toEqual({ ok: false, errno: 'ENOMEM', detail: 'hog app: no memory for transient buffer 0' });
    faults.failAfter('page_alloc', 3 * 16 + 5);
    expect(hog.grow(48, { pattern: 'interleave' })).toEqual({ ok: false, errno: 'ENOMEM', detail: 'hog app: no memory for transient buffer 1' });
    expect(hog.pageCount).toBe(0);
    expect(machine.user.list()).toEqual([]);
  });

  it('a long-term pin whose CMA page cannot migrate is ENOMEM with the pinner detail; the grow is undone', () => {
    const machine = boot({ memMiB: 32, cmdline: 'cma=16M' });
    const hog = hogOf(machine);
    machine.env.faults.arm('migrate', 1_000_000);
    const failed = hog.grow(64, { pattern: 'dense', pinnedFraction: 1, longtermFraction: 1 });
    machine.env.faults.clear();
    expect(failed).toEqual({ ok: false, errno: 'ENOMEM', detail: 'hog app: 1 of 1 pages could not be migrated before a long-term pin' });
    expect(hog.pageCount).toBe(0);
    machine.user.lruAddDrainAll();
    expect(machine.user.list()).toEqual([]);
  });
});

describe('shrink', () => {
  it('stops as soon as the freed pages reach the target: exactly one 512-page extent for 512, none for 0', () => {
    const machine = boot();
    const hog = hogOf(machine);
    hog.grow(2 * HOG_DENSE_EXTENT_PAGES, { pattern: 'dense' });
    expect(hog.shrink(0)).toBe(0);
    expect(hog.extentCount).toBe(2);
    expect(hog.shrink(HOG_DENSE_EXTENT_PAGES)).toBe(HOG_DENSE_EXTENT_PAGES);
    expect(hog.extentCount).toBe(1);
    expect(hog.pageCount).toBe(HOG_DENSE_EXTENT_PAGES);
  });

  it.each([-1, 1.5])('shrinking by %s pages is an AssertionError and unmaps nothing', (pages) => {
    const machine = boot();
    const hog = hogOf(machine);
    hog.grow(2 * HOG_DENSE_EXTENT_PAGES, { pattern: 'dense' });
    expect(assertionMessage(() => hog.shrink(pages))).toBe(`hog app: cannot shrink by ${pages} pages`);
    expect(hog.extentCount).toBe(2);
  });
});
