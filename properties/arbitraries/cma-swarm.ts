// The CMA-heavy swarm: machines that always have CMA areas (cma= and platform areas with order_per_bit 0..2, unaligned fixed bases, a second area for device fallback, the pinning switch both ways) and op weights that favour user memory, pins, contig and CMA ops, with fault sites of their own.
import * as fc from 'fast-check';
import { FAULT_SITES } from '../../src/env/faults.ts';
import type { OpGroup } from '../ops/op.ts';
import { OP_SPECS } from '../ops/registry.ts';
import type { Swarm } from '../scenario.ts';
import { cmaDrawArbitrary, cmaSectionFor } from './cma-config.ts';
import { AUDIT_CADENCES } from './scenario.ts';

/** The groups a CMA swarm weighs fully; buddy kinds stay light, heap kinds off (the heaps swarm covers them). */
const CMA_GROUPS: readonly OpGroup[] = ['contig', 'cma'];

/**
 * A machine of 32-128 MiB (sometimes plus a 32 MiB ZONE_MOVABLE bank) with `plat` (4-8 MiB, order_per_bit
 * 0..2, sometimes at a base aligned to 2 MiB only), sometimes `plat2` and `cma=`; devices and the pinning
 * switch as cma-config.ts draws them. CMA stays within half of memory, so user memory can fill it.
 */
export function cmaMachineConfigArbitrary(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({
    memMiB: fc.constantFrom(32, 64, 64, 128),
    movableBank: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
    cpus: fc.integer({ min: 1, max: 4 }),
    cmaMiB: fc.constantFrom(0, 4, 8, 16),
    platform: fc.record({ sizeMiB: fc.constantFrom(4, 8), orderPerBit: fc.constantFrom(0, 1, 2) }),
    second: fc.boolean(),
    draw: cmaDrawArbitrary(),
  }).map((d) => {
    const bank0 = { name: 'dram0', base: 0, size: `${d.memMiB}M`, zone: 'Normal' };
    const banks = d.movableBank ? [bank0, { name: 'dram1', base: `${d.memMiB}M`, size: '32M', zone: 'Movable', node: 0 }] : [bank0];
    const platformMiB = d.platform.sizeMiB * (d.second ? 2 : 1);
    const cmaMiB = Math.min(d.cmaMiB, d.memMiB / 2 - platformMiB);
    return {
      banks,
      cpus: d.cpus,
      ...(cmaMiB > 0 ? { cmdline: `cma=${cmaMiB}M` } : {}),
      ...cmaSectionFor(d.draw, d.platform, bank0, d.second),
    };
  });
}

/** 0 one time in `offOdds`, else 1..max. */
function weight(max: number, offOdds: number): fc.Arbitrary<number> {
  return fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max }), weight: offOdds - 1 });
}

/** Keeps userMap and a CMA allocating kind on (CMA must fill with user pages, and something must allocate from it). */
function withCmaCore(weights: Record<string, number>): Record<string, number> {
  const core = { ...weights };
  if ((core['userMap'] ?? 0) === 0) core['userMap'] = 50;
  if (['cmaAlloc', 'cmaAllocBulk', 'deviceAlloc'].every((kind) => (core[kind] ?? 0) === 0)) core['cmaAlloc'] = 50;
  return core;
}

/**
 * Weights: contig and CMA kinds 1..100 (each off one run in six), buddy kinds 1..20 (off one run in two),
 * heap kinds off; armFault 1..30 with each fault site (`armFault:SITE`) on in two runs of three.
 */
export function cmaOpWeightsArbitrary(): fc.Arbitrary<Record<string, number>> {
  const fields: Record<string, fc.Arbitrary<number>> = {};
  for (const spec of OP_SPECS as readonly { kind: string; group?: OpGroup; weightMax?: number }[]) {
    const group = spec.group ?? 'buddy';
    if (CMA_GROUPS.includes(group)) fields[spec.kind] = weight(spec.weightMax ?? 100, 6);
    else if (group === 'buddy') fields[spec.kind] = weight(Math.min(spec.weightMax ?? 20, 20), 2);
    else fields[spec.kind] = fc.constant(0);
  }
  // Why heavier than the default swarm's 1..10: the contig sites need an armed fault at the moment a migration or isolation runs.
  if (fields['armFault'] !== undefined) fields['armFault'] = weight(30, 4);
  for (const site of FAULT_SITES) fields[`armFault:${site}`] = weight(10, 3);
  return fc.record(fields).map(withCmaCore);
}

/** The CMA swarm (pass as checkScenarios' / scenarioArbitrary's `swarm`). */
export function cmaSwarmArbitrary(): fc.Arbitrary<Swarm> {
  return fc.record({
    config: cmaMachineConfigArbitrary(),
    seed: fc.integer({ min: 0, max: 0x7fffffff }).map(String),
    auditEvery: fc.constantFrom(...AUDIT_CADENCES),
    weights: cmaOpWeightsArbitrary(),
  });
}
