// The only notion of time in the simulator: a virtual clock in nanoseconds that only tick() advances.
import { assert } from '../base/assert.ts';

/** Virtual time. Nothing in src/ reads wall-clock time. */
export interface Clock {
  /** Virtual nanoseconds since the machine booted. */
  nowNs(): number;
  /** Moves virtual time forward; only Machine.tick() calls this. */
  advance(deltaNs: number): void;
}

export class ManualClock implements Clock {
  private timeNs = 0;

  nowNs(): number {
    return this.timeNs;
  }

  advance(deltaNs: number): void {
    assert(Number.isSafeInteger(deltaNs) && deltaNs >= 0, () => `clock cannot move by ${deltaNs} ns`);
    this.timeNs += deltaNs;
  }
}
