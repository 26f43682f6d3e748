// The unchecked (benchmark baseline) mode and the split of a run into boot and ops: unchecked runs apply the same ops to the machine and end in the same machine state as checked ones; startRun + runStarted is runSequence.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/machine/machine.ts';
import { PROFILE_NAMES } from '../../properties/campaign-profile.ts';
import { generateRun } from '../../properties/campaign-run.ts';
import { runSeed } from '../../properties/campaign-seeds.ts';
import type { OpContext } from '../../properties/ops/op.ts';
import { runSequence, runStarted, startRun, type RunSequenceOptions } from '../../properties/run-sequence.ts';

/** 64 MiB with the default and a platform CMA area, a device, and every heap kind: no op group skips for lack of a layer. */
const EVERY_LAYER = {
  banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cpus: 2, cmdline: 'cma=8M',
  cma: { areas: [{ name: 'plat', size: '4M', orderPerBit: 1 }] },
  devices: [{ name: 'dev0', cma: ['plat'] }],
  heaps: {
    system: { pool: 'shrinker', deferredFree: true, zeroBudgetPerTick: '64K', variants: [{ name: 'system-uncached', caching: 'uncached' }] },
    cpa: [{ name: 'cpa', order: 4, lowmark: 1, fillmark: 2, highmark: 4 }],
    chunk: [{ name: 'chunk', area: 'reserved', chunkSize: '64K' }],
  },
};

function stateHashOf(ctx: OpContext): string {
  if (!(ctx.machine instanceof Machine)) throw new Error('expected the real machine');
  return ctx.machine.stateHash();
}

/** Runs `options` and returns the result with the machine's state hash after the last op. */
function runHashed(options: RunSequenceOptions): { result: ReturnType<typeof runSequence>; hash: string } {
  let hash = '';
  const result = runSequence({ ...options, observe: (ctx) => (hash = stateHashOf(ctx)) });
  return { result, hash };
}

describe('the unchecked mode', () => {
  it.each(PROFILE_NAMES)('applies the same %s ops and reaches the same machine state as the checked mode', (profile) => {
    for (let index = 0; index < 3; index++) {
      const { scenario } = generateRun(runSeed(6, 0, index), profile, 400);
      const options = { config: EVERY_LAYER, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery, finish: false };
      const checked = runHashed(options);
      const unchecked = runHashed({ ...options, checking: false });
      expect(checked.result.failure).toBeNull();
      expect(unchecked.result).toMatchObject({ failure: null, checks: 0, opsExecuted: scenario.ops.length });
      expect(checked.result.checks).toBeGreaterThan(0);
      expect(unchecked.result.kindCounts).toEqual(checked.result.kindCounts);
      expect(unchecked.hash).toBe(checked.hash);
    }
  });

  it('sees the ops: the same machine with no ops ends in another state', () => {
    const { scenario } = generateRun(runSeed(6, 0, 0), 'all', 400);
    const options = { config: EVERY_LAYER, ops: scenario.ops, auditEvery: 0, checking: false };
    expect(runHashed({ ...options, seed: 'a' }).hash).not.toBe(runHashed({ ...options, seed: 'a', ops: [] }).hash);
  });
});

describe('runStarted', () => {
  it('after startRun gives what runSequence gives, checked and unchecked', () => {
    const { scenario } = generateRun(runSeed(6, 0, 1), 'all', 300);
    for (const checking of [true, false]) {
      const options = { config: EVERY_LAYER, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery, checking, record: true };
      const started = startRun(options);
      if (!started.ok) throw new Error(started.detail);
      expect(runStarted(started.value, options)).toEqual(runSequence(options));
    }
  });
});
