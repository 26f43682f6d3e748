// A pressure event runs the shrinkers first and compaction after them, reports both, counts pressure_event and compact_rebuilt_high_order, and does the same thing every time for the same seed.
import { describe, expect, it } from 'vitest';
import type { Order } from '../../src/base/units.ts';
import type { Gfp } from '../../src/mem/gfp.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { hogOf } from './reclaim-fixtures.ts';
import type { PressureReport } from '../../src/reclaim/pressure.ts';
import type { ShrinkControl } from '../../src/reclaim/shrinker.ts';
import { alloc, boot, KiB } from '../heaps/heap-fixtures.ts';

/**
 * A 64 MiB machine whose free memory a hog covers with a comb of 16-page holes, then shrinker-controlled
 * pools holding 240 pages (15 order-4 blocks taken from those holes, so freeing them rebuilds no order 9).
 */
function pooledAndFragmented(): Machine {
  const machine = boot({ memMiB: 64, heaps: { system: { pool: 'shrinker' } } });
  const hog = hogOf(machine);
  const grown = hog.grow(Math.floor(machine.buddy.nrFreePages() * 0.49), { pattern: 'interleave', pinnedFraction: 0.005, longtermFraction: 0.5 });
  if (!grown.ok) throw new Error(grown.detail);
  alloc(machine, 'system', 960 * KiB).close();
  return machine;
}

describe('pressure: shrinkers, then compaction', () => {
  it('visits every shrinker before compaction runs, and compaction once', () => {
    const machine = pooledAndFragmented();
    const log: string[] = [];
    const registered = machine.shrinkers.register({
      name: 'logger',
      countObjects: () => 8,
      scanObjects: (sc: ShrinkControl) => {
        log.push(`scan ${sc.nrToScan}`);
        return 0;
      },
    });
    expect(registered.ok).toBe(true);
    machine.pressure.setCompactor({
      compact: (order: Order, gfp: Gfp) => {
        log.push(`compact ${order}`);
        return machine.compaction.compact(order, gfp);
      },
    });
    machine.pressure.apply(2048, { compactOrder: 9 });
    expect(log.length).toBeGreaterThan(1);
    expect(log.at(-1)).toBe('compact 9');
    expect(log.filter((line) => line.startsWith('compact'))).toHaveLength(1);
  });

  it('reports what the shrinkers freed and what compaction rebuilt, with the vm events', () => {
    const machine = pooledAndFragmented();
    const before = { pressure: machine.events.get('pressure_event'), rebuilt: machine.events.get('compact_rebuilt_high_order') };
    const report = machine.pressure.apply(4096, { compactOrder: 9 });
    expect(report.freedPages).toBe(240);
    expect(report.lastPriority).toBe(0);
    expect(report.compaction?.blocksRebuilt).toBeGreaterThanOrEqual(1);
    expect(report.compaction?.migratedPages).toBeGreaterThan(0);
    expect(machine.events.get('pressure_event') - before.pressure).toBe(1);
    expect(machine.events.get('compact_rebuilt_high_order') - before.rebuilt).toBe(1);
  });

  it('without an order no compaction runs, as kswapd wakes kcompactd only for order > 0', () => {
    const machine = pooledAndFragmented();
    const migrations = machine.events.get('pgmigrate_success');
    expect(machine.pressure.apply(64).compaction).toBeUndefined();
    expect(machine.events.get('pgmigrate_success')).toBe(migrations);
  });

  it('is deterministic: the same seed and events give the same reports and the same machine', () => {
    const run = (): { reports: PressureReport[]; hash: string } => {
      const machine = pooledAndFragmented();
      const reports = [machine.pressure.apply(100, { compactOrder: 9 }), machine.pressure.apply(5000, { compactOrder: 4 })];
      return { reports, hash: machine.stateHash() };
    };
    const first = run();
    expect(run()).toEqual(first);
  });
});
