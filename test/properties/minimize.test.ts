// Minimization: chunk removal and per-op fast-check shrinking on synthetic lists (exact results, budgets, the removal adjuster), and on a real failure found thousands of ops into a generated run.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/base/errno.ts';
import type { Pfn } from '../../src/base/units.ts';
import { PageAllocator, type AllocOptions } from '../../src/buddy/page-allocator.ts';
import { __GFP_ZERO, type Gfp } from '../../src/mem/gfp.ts';
import { generateRun } from '../../properties/campaign-run.ts';
import { runSeed, seededRandom } from '../../properties/campaign-seeds.ts';
import { minimizeFailure, minimizeItems, type ShrinkItem, type Verdict } from '../../properties/minimize.ts';
import { runSequence } from '../../properties/run-sequence.ts';
import { machineWith } from './harness-fixtures.ts';

/** Forgets __GFP_ZERO at order 7 only, so random runs meet it thousands of ops in. */
class ForgetsZeroAtOrder7 extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    return super.allocPages(order === 7 ? gfp & ~__GFP_ZERO : gfp, order, options);
  }
}

const items = (values: readonly number[]): ShrinkItem<number>[] => values.map((item) => ({ item }));
const never = (): boolean => false;
/** Fails while the list holds a 3 and, later, a 7. */
const threeThenSeven = (list: readonly number[]): Verdict => ({ fails: list.includes(3) && list.indexOf(7, list.indexOf(3)) > 0 });

describe('minimizeItems', () => {
  it('removes every item the failure does not need, in O(k log n) tests', () => {
    const list = Array.from({ length: 1000 }, (_, index) => (index === 400 ? 3 : index === 900 ? 7 : 100 + index));
    const result = minimizeItems(items(list), threeThenSeven, never);
    expect(result).toMatchObject({ items: [3, 7], complete: true });
    expect(result.tests).toBeLessThan(200);
  });

  it('cuts the tail at the failing item (the verdict says how far the run got)', () => {
    let longest = 0;
    const result = minimizeItems(items([1, 2, 3, 4, 5, 6]), (list) => {
      longest = Math.max(longest, list.length);
      const at = list.indexOf(3);
      return at < 0 ? { fails: false } : { fails: true, keep: at + 1 };
    }, never);
    expect(result.items).toEqual([3]);
  });

  it('stops when the budget runs out, keeping a failing list; a list that does not fail comes back as it was', () => {
    let calls = 0;
    const cut = minimizeItems(items([5, 3, 9, 7, 1]), threeThenSeven, () => ++calls > 2);
    expect(cut.complete).toBe(false);
    expect(threeThenSeven(cut.items).fails).toBe(true);
    expect(minimizeItems(items([1, 2]), threeThenSeven, never)).toEqual({ items: [1, 2], tests: 1, complete: false });
  });

  it('shrinks each remaining item with fast-check, with the context it was generated with, or without one when the arbitrary allows', () => {
    const arbitrary = fc.integer({ min: 0, max: 1000 });
    const generated = arbitrary.generate(seededRandom(5), undefined);
    const list: ShrinkItem<number>[] = [{ item: generated.value, value: generated }, { item: 873 }, { item: 12 }];
    const result = minimizeItems(list, (candidate) => ({ fails: candidate.some((value) => value >= 400) }), never, arbitrary);
    expect(result).toMatchObject({ items: [400], complete: true });
  });

  it('tries the adjuster\'s rewrite when a plain removal stops the failure', () => {
    // Items are [kind, value]; the failure needs the last item's value to equal the count of 'a' items before it.
    type Item = readonly [string, number];
    const test = (list: readonly Item[]): Verdict => {
      const last = list[list.length - 1];
      return { fails: last !== undefined && last[0] === 'z' && last[1] === list.filter(([kind]) => kind === 'a').length && last[1] > 0 };
    };
    const list: Item[] = [['a', 0], ['b', 0], ['a', 0], ['a', 0], ['z', 3]];
    const plain = minimizeItems(list.map((item) => ({ item })), test, never);
    expect(plain.items).toHaveLength(4);
    const adjust = (current: readonly Item[], start: number, count: number): Item[] | undefined => {
      const removedA = current.slice(start, start + count).filter(([kind]) => kind === 'a').length;
      return removedA === 0 ? undefined : [...current.slice(0, start), ...current.slice(start + count).map(([kind, value]): Item => (kind === 'z' ? [kind, value - removedA] : [kind, value]))];
    };
    const adjusted = minimizeItems(list.map((item) => ({ item })), test, never, undefined, adjust);
    expect(adjusted.items).toEqual([['a', 0], ['z', 1]]);
  });
});

describe('minimizeFailure', () => {
  const factory = machineWith(ForgetsZeroAtOrder7);

  function deepFailure(): { run: ReturnType<typeof generateRun>; opIndex: number; invariant: string } {
    for (let index = 0; ; index++) {
      const run = generateRun(runSeed(7, 0, index), 'buddy', 5000);
      const { scenario } = run;
      const failure = runSequence({ config: scenario.config, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery, machineFactory: factory }).failure;
      if (failure !== null && failure.opIndex >= 2500) return { run, opIndex: failure.opIndex, invariant: failure.invariant };
      if (index > 300) throw new Error('no deep failure');
    }
  }

  it('takes a failure found thousands of ops into a 5,000-op run down to a handful of ops, the same invariant, deterministically', () => {
    const { run, opIndex, invariant } = deepFailure();
    const options = { scenario: run.scenario, target: { invariant: invariant as 'zeroed-pages', phase: 'op' as const }, opValues: run.opValues, opArbitrary: run.opArbitrary, machineFactory: factory, expired: never };
    const minimized = minimizeFailure(options);
    expect(opIndex).toBeGreaterThanOrEqual(2500);
    expect(minimized.complete).toBe(true);
    expect(minimized.scenario.ops.length).toBeLessThanOrEqual(5);
    expect(minimized.result.failure?.invariant).toBe('zeroed-pages');
    expect(minimized.result.records).toHaveLength(minimized.scenario.ops.length);
    expect(minimized.runs).toBeLessThan(1000);
    expect(minimizeFailure(options).scenario).toEqual(minimized.scenario);
  });

  it('keeps the scenario when the failure does not reproduce (a non-deterministic target)', () => {
    const run = generateRun(runSeed(1, 0, 0), 'buddy', 30);
    const minimized = minimizeFailure({ scenario: run.scenario, target: { invariant: 'zeroed-pages', phase: 'op' }, expired: never });
    expect(minimized).toMatchObject({ complete: false, runs: 1, originalOps: run.scenario.ops.length });
    expect(minimized.scenario.ops).toEqual(run.scenario.ops);
  });
});
