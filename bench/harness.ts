// Property-harness benchmarks: for fixed-seed campaign runs of each profile (buddy, cma, heaps, all), checked ops/s (per-op invariants, audits at the run's cadence, end-state oracle) against the same ops unchecked, and the ratio; then the same ops on 64 MiB, 1 GiB and 16 GiB machines with boot, ops, one audit and the end timed apart, to show what grows with memory.
import { PROFILE_NAMES, type ProfileName } from '../properties/campaign-profile.ts';
import { generateRun } from '../properties/campaign-run.ts';
import { runSeed } from '../properties/campaign-seeds.ts';
import { checkModelAgreement, checkStructure } from '../properties/invariants/audit.ts';
import { auditLayers } from '../properties/invariants/layers.ts';
import { describeOp, type Op } from '../properties/ops/registry.ts';
import { finishRun, runSequence, runStarted, startRun, type StartedRun } from '../properties/run-sequence.ts';
import type { Scenario } from '../properties/scenario.ts';
import type { BenchRow } from './bench-row.ts';

/**
 * The campaign seed every benchmarked run derives from: run R of profile P is runSeed(BENCH_CAMPAIGN_SEED,
 * index of P in PROFILE_NAMES as the worker, R), so `npx pagelab fuzz --seed 20260601 --profile P --worker W
 * --run R --max-ops 2000` re-runs it.
 */
const BENCH_CAMPAIGN_SEED = 20260601;
/** Length cap of every run: lengths are uniform in [cap/2, cap], as in a campaign past its ramp. */
const RUN_OPS_CAP = 2000;
/** Runs per profile in the profile rows (each on the swarm machine its seed draws, 16-256 MiB). */
const PROFILE_RUNS = 12;
/** Runs per profile in the scaling rows (each on the fixed machine of each size). */
const SCALING_RUNS = 1;
/** Audit cadence of the scaling rows, fixed so every size does the same number of audits: the median of AUDIT_CADENCES. */
const SCALING_AUDIT_EVERY_OPS = 500;

/** The machine sizes of the scaling rows. */
const SIZES: readonly { readonly label: string; readonly size: string }[] = [
  { label: '64 MiB', size: '64M' },
  { label: '1 GiB', size: '1G' },
  { label: '16 GiB', size: '16G' },
];

/**
 * The scaling machine: one bank of `size`, cma=8M, a 4 MiB platform area on a device that also
 * exports it as a heap, and every heap kind (system with shrinker pools, deferred free and an uncached
 * variant; a CPA pool; a chunk heap): no op of any profile skips for lack of a layer, and only the
 * bank grows from one size to the next.
 */
function scalingConfig(size: string): Record<string, unknown> {
  return {
    banks: [{ name: 'dram0', base: 0, size, zone: 'Normal' }], cpus: 2, cmdline: 'cma=8M',
    cma: { areas: [{ name: 'plat', size: '4M', orderPerBit: 1 }] },
    devices: [{ name: 'dev0', cma: ['plat'] }, { name: 'vdec', cma: ['plat'], exportHeap: true }],
    heaps: {
      system: { pool: 'shrinker', shrinkerStyle: 'ion', deferredFree: true, zeroBudgetPerTick: '64K', variants: [{ name: 'system-uncached', caching: 'uncached' }] },
      cpa: [{ name: 'cpa', order: 4, lowmark: 2, fillmark: 4, highmark: 8 }],
      chunk: [{ name: 'chunk', area: 'reserved', chunkSize: '64K' }],
    },
  };
}

/** Run `index` of `profile` in the bench campaign. */
function benchRun(profile: ProfileName, index: number): Scenario {
  return generateRun(runSeed(BENCH_CAMPAIGN_SEED, PROFILE_NAMES.indexOf(profile), index), profile, RUN_OPS_CAP).scenario;
}

function perSecond(count: number, ms: number): number {
  return Math.round(count / (ms / 1000));
}

function ratio(numerator: number, denominator: number): number {
  return Math.round((numerator / denominator) * 100) / 100;
}

function started(config: unknown, seed: string, checking: boolean): StartedRun {
  const run = startRun({ config, seed, checking });
  if (!run.ok) throw new Error(`bench machine does not boot: ${run.detail}`);
  return run.value;
}

/** Wall time of `work` in ms. */
function timed(work: () => void): number {
  const startedMs = performance.now();
  work();
  return performance.now() - startedMs;
}

/** What the profile rows measured over one profile's runs. */
interface ProfileTiming {
  readonly ops: number;
  readonly runs: number;
  readonly checkedMs: number;
  readonly uncheckedMs: number;
  /** Runs left out because the checked run broke an invariant (a real finding: `pagelab fuzz` would report it). */
  readonly broken: readonly string[];
}

/** Each run as `pagelab fuzz` runs it (boot, ops with per-op checks and audits, end-state oracle), then unchecked (boot and ops). */
function profileTiming(profile: ProfileName): ProfileTiming {
  const scenarios = Array.from({ length: PROFILE_RUNS }, (_, index) => benchRun(profile, index));
  const warm = scenarios[0] as Scenario;
  runSequence({ ...warm, checking: true });
  runSequence({ ...warm, checking: false });
  let ops = 0;
  let checkedMs = 0;
  let uncheckedMs = 0;
  const broken: string[] = [];
  for (const scenario of scenarios) {
    let failure: string | undefined;
    const checked = timed(() => {
      const result = runSequence({ config: scenario.config, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery });
      if (result.failure !== null) failure = `${result.failure.invariant} at op ${result.failure.opIndex}`;
    });
    if (failure !== undefined) {
      broken.push(failure);
      continue;
    }
    uncheckedMs += timed(() => runSequence({ config: scenario.config, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery, checking: false }));
    checkedMs += checked;
    ops += scenario.ops.length;
  }
  return { ops, runs: scenarios.length - broken.length, checkedMs, uncheckedMs, broken };
}

function profileRows(profile: ProfileName, timing: ProfileTiming): BenchRow[] {
  const runs = `${timing.runs} runs (fuzz --seed ${BENCH_CAMPAIGN_SEED} --worker ${PROFILE_NAMES.indexOf(profile)} --run 0..${PROFILE_RUNS - 1}), ${timing.ops} ops, swarm machines 16-256 MiB`;
  const broken = timing.broken.length === 0 ? '' : `; ${timing.broken.length} runs broke an invariant and are left out (${timing.broken.slice(0, 3).join(', ')})`;
  const checked = perSecond(timing.ops, timing.checkedMs);
  const unchecked = perSecond(timing.ops, timing.uncheckedMs);
  return [
    { name: `harness checked, profile ${profile}`, value: checked, unit: 'ops/s', note: `${runs}: boot, per-op invariants, audits at each run's cadence, end-state oracle (as pagelab fuzz runs them)${broken}` },
    { name: `harness unchecked, profile ${profile}`, value: unchecked, unit: 'ops/s', note: 'same runs: boot and ops on the machine only (target bookkeeping, no invariants, audits or oracle)' },
    { name: `harness checked/unchecked time, profile ${profile}`, value: ratio(unchecked, checked), unit: '×', note: 'checking cost: how many times longer a checked run takes' },
  ];
}

/** What the scaling rows measured over the runs on one machine size. */
interface PhaseTiming {
  ops: number;
  runs: number;
  bootMs: number;
  checkedOpsMs: number;
  perOpCheckedOpsMs: number;
  uncheckedOpsMs: number;
  structureAuditMs: number;
  modelAuditMs: number;
  layerAuditMs: number;
  endMs: number;
  slowestOpMs: number;
  slowestOp: string;
  broken: string[];
}

function emptyTiming(): PhaseTiming {
  return { ops: 0, runs: 0, bootMs: 0, checkedOpsMs: 0, perOpCheckedOpsMs: 0, uncheckedOpsMs: 0, structureAuditMs: 0, modelAuditMs: 0, layerAuditMs: 0, endMs: 0, slowestOpMs: 0, slowestOp: '', broken: [] };
}

/**
 * One run on the scaling machine, on a fresh machine per pass: boot (startRun, timed); the ops checked
 * with an audit every SCALING_AUDIT_EVERY_OPS ops; one more audit, its three parts timed apart; the end
 * (release everything, end-state oracle). Then the ops with per-op invariants only, and unchecked, one
 * op at a time so the slowest op is known (two clock reads per op on top of the op).
 */
function scalingRun(config: unknown, scenario: Scenario, into: PhaseTiming): void {
  let checked: StartedRun | undefined;
  into.bootMs += timed(() => (checked = started(config, scenario.seed, true)));
  const run = checked as StartedRun;
  let failure: string | undefined;
  into.checkedOpsMs += timed(() => {
    const result = runStarted(run, { ops: scenario.ops, auditEvery: SCALING_AUDIT_EVERY_OPS, finish: false });
    if (result.failure !== null) failure = `${result.failure.invariant} at op ${result.failure.opIndex}`;
  });
  if (failure !== undefined) {
    into.broken.push(failure);
    return;
  }
  into.structureAuditMs += timed(() => checkStructure(run.ctx));
  into.modelAuditMs += timed(() => checkModelAgreement(run.ctx));
  into.layerAuditMs += timed(() => auditLayers(run.ctx));
  into.endMs += timed(() => finishRun(run.ctx, run.bootBlocks));
  const perOp = started(config, scenario.seed, true);
  into.perOpCheckedOpsMs += timed(() => runStarted(perOp, { ops: scenario.ops, auditEvery: 0, finish: false }));
  const unchecked = started(config, scenario.seed, false);
  for (const op of scenario.ops) {
    const opMs = timed(() => runStarted(unchecked, { ops: [op], auditEvery: 0 }));
    into.uncheckedOpsMs += opMs;
    if (opMs > into.slowestOpMs) {
      into.slowestOpMs = opMs;
      into.slowestOp = describeOp(op as Op);
    }
  }
  into.ops += scenario.ops.length;
  into.runs++;
}

function tenths(value: number): number {
  return Math.round(value * 10) / 10;
}

function scalingRows(label: string, timing: PhaseTiming): BenchRow[] {
  const { runs } = timing;
  const what = `${runs} runs (${SCALING_RUNS} per profile), ${timing.ops} ops, ops phase only (boot and end apart)`;
  const checked = perSecond(timing.ops, timing.checkedOpsMs);
  const perOp = perSecond(timing.ops, timing.perOpCheckedOpsMs);
  const unchecked = perSecond(timing.ops, timing.uncheckedOpsMs);
  const audit = { structure: timing.structureAuditMs / runs, model: timing.modelAuditMs / runs, layers: timing.layerAuditMs / runs };
  const auditMs = audit.structure + audit.model + audit.layers;
  const broken = timing.broken.length === 0 ? '' : `; ${timing.broken.length} runs broke an invariant and are left out (${timing.broken.slice(0, 3).join(', ')})`;
  return [
    { name: `harness scaling ${label}: checked`, value: checked, unit: 'ops/s', note: `${what}: per-op invariants + an audit every ${SCALING_AUDIT_EVERY_OPS} ops${broken}` },
    { name: `harness scaling ${label}: checked, no audits`, value: perOp, unit: 'ops/s', note: 'same ops, per-op invariants only' },
    { name: `harness scaling ${label}: unchecked`, value: unchecked, unit: 'ops/s', note: 'same ops, machine only' },
    { name: `harness scaling ${label}: checked/unchecked time`, value: ratio(unchecked, checked), unit: '×', note: `per-op invariants alone: ${ratio(unchecked, perOp)}×` },
    { name: `harness scaling ${label}: one audit`, value: tenths(auditMs), unit: 'ms', note: `O(pages): checkBuddy ${tenths(audit.structure)} ms, page-by-page model agreement ${tenths(audit.model)} ms, layer audits ${tenths(audit.layers)} ms` },
    { name: `harness scaling ${label}: boot`, value: tenths(timing.bootMs / runs), unit: 'ms/run', note: 'O(pages): Machine.create, layout facts, shadow model, boot free blocks' },
    { name: `harness scaling ${label}: end of run`, value: tenths(timing.endMs / runs), unit: 'ms/run', note: 'O(pages): final audit, release everything, drain, end-state oracle' },
    { name: `harness scaling ${label}: slowest unchecked op`, value: tenths(timing.slowestOpMs), unit: 'ms', note: `${timing.slowestOp} (${Math.round((timing.slowestOpMs / timing.uncheckedOpsMs) * 100)}% of the unchecked ops time)` },
  ];
}

/** Runs the harness benchmarks and returns the measurements. */
export async function benchHarness(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const profile of PROFILE_NAMES) {
    rows.push(...profileRows(profile, profileTiming(profile)));
    await Promise.resolve();
  }
  const scenarios = PROFILE_NAMES.flatMap((profile) => Array.from({ length: SCALING_RUNS }, (_, index) => benchRun(profile, index)));
  for (const { label, size } of SIZES) {
    const timing = emptyTiming();
    for (const scenario of scenarios) scalingRun(scalingConfig(size), scenario, timing);
    rows.push(...scalingRows(label, timing));
    await Promise.resolve();
  }
  return rows;
}

