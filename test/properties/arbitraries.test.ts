// The swarm generators: every drawn machine config boots, weights switch kinds off but keep one allocating kind, op lists run to thousands, and the swarm never shrinks.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMachineConfig } from '../../src/machine/config.ts';
import { machineConfigArbitrary } from '../../properties/arbitraries/machine-config.ts';
import { opWeightsArbitrary } from '../../properties/arbitraries/op-weights.ts';
import { scenarioArbitrary } from '../../properties/arbitraries/scenario.ts';
import { ALLOCATING_KINDS, OP_KINDS } from '../../properties/ops/registry.ts';
import { startRun } from '../../properties/run-sequence.ts';
import type { Scenario } from '../../properties/scenario.ts';

describe('machine configs', () => {
  const configs = fc.sample(machineConfigArbitrary(), { numRuns: 300, seed: 1 });

  it('all validate and boot', () => {
    for (const config of configs) {
      const booted = startRun({ config, seed: 'boot' });
      expect(booted.ok, booted.ok ? '' : `${JSON.stringify(config)}: ${booted.detail}`).toBe(true);
    }
  });

  it('cover 1-2 banks within 16-256 MiB, 1-4 CPUs, CMA sometimes, ZONE_MOVABLE sometimes', () => {
    const parsed = configs.map((config) => {
      const result = parseMachineConfig(config, 'x');
      if (!result.ok) throw new Error(result.detail);
      return result.value;
    });
    const memMiB = parsed.map((config) => config.banks.reduce((sum, bank) => sum + bank.sizeBytes, 0) / 2 ** 20);
    expect(Math.min(...memMiB)).toBeGreaterThanOrEqual(16);
    expect(Math.max(...memMiB)).toBeLessThanOrEqual(256);
    expect(new Set(parsed.map((config) => config.banks.length))).toEqual(new Set([1, 2]));
    expect(new Set(parsed.map((config) => config.cpuCount))).toEqual(new Set([1, 2, 3, 4]));
    expect(parsed.filter((config) => config.cmdline !== '' || config.cma.areas.length > 0).length).toBeGreaterThan(100);
    expect(parsed.some((config) => config.banks.some((bank) => bank.zone === 'Movable'))).toBe(true);
    expect(parsed.some((config) => config.vm.minFreeKbytes !== undefined)).toBe(true);
  });
});

describe('op weights', () => {
  const draws = fc.sample(opWeightsArbitrary(), { numRuns: 500, seed: 2 });

  it('weigh every kind, switch some off, and always keep an allocating kind on', () => {
    for (const weights of draws) {
      expect(Object.keys(weights).sort()).toEqual([...OP_KINDS].sort());
      expect(ALLOCATING_KINDS.some((kind) => (weights[kind] ?? 0) > 0)).toBe(true);
    }
    const offRate = draws.filter((weights) => weights['getPage'] === 0).length / draws.length;
    expect(offRate).toBeGreaterThan(0.15);
    expect(offRate).toBeLessThan(0.35);
    expect(Math.max(...draws.map((weights) => weights['armFault'] ?? 0))).toBeLessThanOrEqual(10);
  });
});

describe('scenarios', () => {
  it('run to hundreds and thousands of ops', () => {
    const lengths = fc.sample(scenarioArbitrary({ maxOps: 2000 }), { numRuns: 60, seed: 3 }).map((scenario) => scenario.ops.length);
    expect(lengths.filter((length) => length >= 100).length).toBeGreaterThan(40);
    expect(Math.max(...lengths)).toBeGreaterThan(1000);
  });

  it('never shrink the swarm, only the op list', () => {
    let firstFailing: Scenario | undefined;
    const property = fc.property(scenarioArbitrary({ maxOps: 50 }), (scenario) => {
      if (scenario.ops.length < 10) return true;
      firstFailing ??= scenario;
      return false;
    });
    const details = fc.check(property, { seed: 5, numRuns: 100 });
    expect(details.failed).toBe(true);
    const [shrunk] = details.counterexample!;
    const { ops: _ops, ...swarm } = shrunk;
    const { ops: _first, ...firstSwarm } = firstFailing!;
    expect(shrunk.ops.length).toBe(10);
    expect(swarm).toEqual(firstSwarm);
  });
});
