// Shared helpers for the reclaim tests: a recording test shrinker (a cache of page-sized objects) and a memory hog on a machine.
import type { Machine } from '../../src/machine/machine.ts';
import { MemoryHog } from '../../src/reclaim/hog.ts';
import { SHRINK_STOP, type ShrinkControl, type Shrinker } from '../../src/reclaim/shrinker.ts';

/** A test cache: the objects still held, every scan_objects nr_to_scan, and every shrink_control seen. */
export interface RecordingCache extends Shrinker {
  left: number;
  readonly scans: number[];
  /** The shrink_control of every count_objects call, in order. */
  readonly countControls: ShrinkControl[];
  /** The shrink_control of every scan_objects call, in order. */
  readonly scanControls: ShrinkControl[];
}

/**
 * A cache of `objects` that records every count_objects and scan_objects call; scan_objects frees
 * min(nr_to_scan, left) and returns it, or SHRINK_STOP once it ran `stopAfter` times. do_shrink_slab
 * never asks for fewer than 1 object, so a request for 0 (or a runaway loop) throws instead of spinning.
 */
export function cache(name: string, objects: number, options: { batch?: number; seeks?: number; stopAfter?: number } = {}): RecordingCache {
  const state: RecordingCache = {
    name,
    left: objects,
    scans: [],
    countControls: [],
    scanControls: [],
    ...(options.batch === undefined ? {} : { batch: options.batch }),
    ...(options.seeks === undefined ? {} : { seeks: options.seeks }),
    countObjects: (sc: ShrinkControl) => {
      state.countControls.push({ ...sc });
      return state.left;
    },
    scanObjects: (sc: ShrinkControl) => {
      if (sc.nrToScan < 1 || state.scans.length >= 10_000) throw new Error(`cache ${name}: runaway scan (nr_to_scan ${sc.nrToScan} after ${state.scans.length} scans)`);
      state.scans.push(sc.nrToScan);
      state.scanControls.push({ ...sc });
      if (options.stopAfter !== undefined && state.scans.length > options.stopAfter) return SHRINK_STOP;
      const freed = Math.min(sc.nrToScan, state.left);
      state.left -= freed;
      return freed;
    },
  };
  return state;
}

/** A memory hog on `machine` whose randomness is the machine Rng forked for `hog:NAME`. */
export function hogOf(machine: Machine, name = 'app'): MemoryHog {
  return new MemoryHog(name, { user: machine.user, pins: machine.pins, owners: machine.owners, table: machine.buddy.table, rng: machine.env.rng.fork(`hog:${name}`) });
}
