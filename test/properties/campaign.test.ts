// Campaign building blocks: run seeds, the length ramp, run generation restricted to a profile (op kinds, fault sites), profiles over op groups, sometimes events and their statuses, tallies, summaries and their merge.
import { describe, expect, it } from 'vitest';
import { FAULT_SITES } from '../../src/env/faults.ts';
import { FAULT_SITE_GROUPS, groupOf, isProfileName, PROFILE_NAMES, profileFaultSites, profileSpecs, reachableGroups } from '../../properties/campaign-profile.ts';
import { defaultBias, generateRun, lengthCapAt, RAMP_START_OPS } from '../../properties/campaign-run.ts';
import { runSeed } from '../../properties/campaign-seeds.ts';
import { buildSummary, mergeSummaries, parseCampaignSummary, withoutTimings, type CampaignSummary, type FailureRecord } from '../../properties/campaign-summary.ts';
import { emptyTally, lengthBucket, mergeTally, tallyRun } from '../../properties/campaign-tally.ts';
import { faultSiteWeightKey } from '../../properties/ops/buddy/machine-ops.ts';
import { OP_SPECS } from '../../properties/ops/registry.ts';
import { runSequence } from '../../properties/run-sequence.ts';
import { observeMachine, SOMETIMES_EVENTS, sometimesReport, sometimesWarnings, tallySometimes } from '../../properties/sometimes.ts';

describe('run seeds', () => {
  it('are a pure function of (campaign seed, worker, run), spread over 32 bits', () => {
    expect(runSeed(5, 1, 17)).toBe(runSeed(5, 1, 17));
    const seeds = new Set<number>();
    for (let worker = 0; worker < 4; worker++) for (let run = 0; run < 250; run++) seeds.add(runSeed(5, worker, run));
    expect(seeds.size).toBe(1000);
    expect(runSeed(6, 0, 0)).not.toBe(runSeed(5, 0, 0));
    expect([...seeds].every((seed) => Number.isInteger(seed) && seed >= -(2 ** 31) && seed < 2 ** 31)).toBe(true);
  });
});

describe('the length ramp', () => {
  it('grows geometrically from RAMP_START_OPS to --max-ops over the first half of the budget, then stays', () => {
    expect(lengthCapAt(0, 4000)).toBe(RAMP_START_OPS);
    expect(lengthCapAt(0.25, 4000)).toBe(Math.round(16 * Math.sqrt(250)));
    expect(lengthCapAt(0.5, 4000)).toBe(4000);
    expect(lengthCapAt(0.9, 4000)).toBe(4000);
    expect(lengthCapAt(0, 5)).toBe(5);
    const caps = [0, 0.1, 0.2, 0.3, 0.4, 0.5].map((progress) => lengthCapAt(progress, 4000));
    expect(caps).toEqual([...caps].sort((a, b) => a - b));
  });
});

describe('generateRun', () => {
  it('draws the same run from the same seed, with a length in [cap/2, cap] and a fast-check value per op', () => {
    const first = generateRun(42, 'buddy', 300);
    expect(generateRun(42, 'buddy', 300).scenario).toEqual(first.scenario);
    expect(first.scenario.ops.length).toBeGreaterThanOrEqual(150);
    expect(first.scenario.ops.length).toBeLessThanOrEqual(300);
    expect(first.opValues.map((value) => value.value)).toEqual(first.scenario.ops);
    expect(generateRun(43, 'buddy', 300).scenario).not.toEqual(first.scenario);
  });

  it('without swarm testing, every kind of the profile and every fault site it reaches is on, at the same weights in every run', () => {
    const kinds = profileSpecs('cma').map((spec) => spec.kind);
    const runs = [1, 2, 3].map((seed) => generateRun(seed, 'cma', 100, { swarm: false }).scenario);
    for (const scenario of runs) {
      expect(kinds.every((kind) => (scenario.weights[kind] ?? 0) > 0)).toBe(true);
      expect(profileFaultSites('cma').every((site) => scenario.weights[faultSiteWeightKey(site)] === 5)).toBe(true);
      expect(scenario.weights).toEqual(runs[0]!.weights);
    }
    expect(runs[1]!.config).not.toEqual(runs[0]!.config);
    expect(generateRun(1, 'cma', 100, { swarm: false }).scenario).toEqual(runs[0]);
    expect(generateRun(1, 'cma', 100, { swarm: true }).scenario.weights).not.toEqual(runs[0]!.weights);
  });

  it('the busy-CMA bias (the cma profile\'s default) draws machines that always have a CMA area, restricted to the profile; a profile without CMA ops is unbiased', () => {
    const kinds = new Set<string>(profileSpecs('cma').map((spec) => spec.kind));
    for (let seed = 0; seed < 10; seed++) {
      const { scenario } = generateRun(seed, 'cma', 60, { swarm: true, bias: 'busy-cma' });
      expect((scenario.config['cma'] as { areas: unknown[] }).areas.length).toBeGreaterThan(0);
      expect(scenario.ops.every((op) => kinds.has(op.op))).toBe(true);
      expect(Object.entries(scenario.weights).filter(([kind, weight]) => weight > 0 && !kind.startsWith('armFault')).every(([kind]) => kinds.has(kind))).toBe(true);
      expect(generateRun(seed, 'buddy', 60, { swarm: true, bias: 'busy-cma' }).scenario).toEqual(generateRun(seed, 'buddy', 60).scenario);
      expect(generateRun(seed, 'cma', 60).scenario).toEqual(scenario);
    }
    expect([defaultBias('cma'), defaultBias('buddy'), defaultBias('heaps'), defaultBias('all')]).toEqual(['busy-cma', 'none', 'none', 'none']);
    expect(generateRun(3, 'cma', 60, { swarm: true, bias: 'none' }).scenario).not.toEqual(generateRun(3, 'cma', 60).scenario);
  });

  it('keeps kinds and fault sites to the profile; armFault is off when no site is', () => {
    const kinds = new Set<string>(profileSpecs('buddy').map((spec) => spec.kind));
    let sitesOn = 0;
    for (let seed = 0; seed < 40; seed++) {
      const { scenario } = generateRun(seed, 'buddy', 50);
      expect(scenario.ops.every((op) => kinds.has(op.op))).toBe(true);
      const on = FAULT_SITES.filter((site) => (scenario.weights[faultSiteWeightKey(site)] ?? 0) > 0);
      expect(on.every((site) => site === 'page_alloc')).toBe(true);
      if (on.length === 0) expect(scenario.weights['armFault']).toBe(0);
      sitesOn += on.length;
      for (const op of scenario.ops) if (op.op === 'armFault') expect(on).toContain(op.site);
    }
    expect(sitesOn).toBeGreaterThan(5);
  });
});

describe('profiles', () => {
  const contigSpec = { group: 'contig' as const };
  it('select op groups; buddy specs declare none and count as buddy', () => {
    expect(PROFILE_NAMES).toEqual(['buddy', 'cma', 'heaps', 'all']);
    expect(isProfileName('cma')).toBe(true);
    expect(isProfileName('slab')).toBe(false);
    expect(groupOf({})).toBe('buddy');
    expect(profileSpecs('buddy').every((spec) => groupOf(spec) === 'buddy')).toBe(true);
    expect(profileSpecs('all')).toHaveLength(OP_SPECS.length);
    expect(reachableGroups('cma', [{}, contigSpec])).toEqual(['buddy', 'contig']);
    expect(reachableGroups('buddy', [{}, contigSpec])).toEqual(['buddy']);
  });

  it('switch on only the fault sites a reachable group consults', () => {
    expect(profileFaultSites('buddy', [{}])).toEqual(['page_alloc']);
    expect(profileFaultSites('cma', [{}, contigSpec])).toEqual(['page_alloc', 'migrate', 'isolate', 'transient_pin', 'fatal_signal']);
    expect(profileFaultSites('heaps', [{}, { group: 'heaps' }])).toEqual(['page_alloc', 'fatal_signal']);
    expect(Object.keys(FAULT_SITE_GROUPS).sort()).toEqual([...FAULT_SITES].sort());
  });
});

describe('sometimes events', () => {
  const observation = (events: Record<string, number>, faultsFired: Record<string, number> = {}) => ({ events, faultsFired, kindCounts: {} });

  it('fire from event counters, fired fault sites and op outcomes', () => {
    const counts: Record<string, number> = {};
    tallySometimes(counts, observation({ pcp_refill: 3, pgmigrate_success: 1 }, { page_alloc: 1 }));
    tallySometimes(counts, { ...observation({ pcp_refill: 1 }), kindCounts: { allocPages: { executed: 2, skipped: 0, failed: 1 } } });
    expect(counts).toEqual({ 'pcp-refill': 2, 'migration': 1, 'fault-page-alloc': 1, 'alloc-enomem': 1 });
    expect(new Set(SOMETIMES_EVENTS.map((event) => event.name)).size).toBe(SOMETIMES_EVENTS.length);
  });

  it('warn only about reachable events that never fired', () => {
    const specs = [{}, { group: 'contig' as const }];
    const report = sometimesReport({ 'pcp-refill': 4 }, 'cma', specs);
    const status = (name: string): string | undefined => report.find((line) => line.name === name)?.status;
    expect(status('pcp-refill')).toBe('fired');
    expect(status('migration')).toBe('never');
    expect(status('cma-alloc')).toBe('not-registered');
    expect(status('pool-shrink')).toBe('outside-profile');
    expect(sometimesReport({}, 'buddy', specs).find((line) => line.name === 'migration')?.status).toBe('outside-profile');
    const warnings = sometimesWarnings(report);
    expect(warnings).toContain('sometimes event "migration" never fired (a page was migrated)');
    expect(warnings.some((warning) => warning.includes('"cma-alloc"') || warning.includes('"pool-shrink"') || warning.includes('"pcp-refill"'))).toBe(false);
  });

  it('observe a real run through runSequence\'s observe hook', () => {
    const { scenario } = generateRun(3, 'buddy', 200);
    let seen: ReturnType<typeof observeMachine> | undefined;
    runSequence({ config: scenario.config, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery, observe: (ctx) => (seen = observeMachine(ctx)) });
    expect(seen?.events['pgalloc']).toBeGreaterThan(0);
    expect(Object.keys(seen?.faultsFired ?? {})).toEqual([...FAULT_SITES]);
  });
});

function tallyOfRuns(seeds: readonly number[]): ReturnType<typeof emptyTally> {
  const tally = emptyTally();
  seeds.forEach((seed, index) => {
    const { scenario } = generateRun(seed, 'buddy', 100);
    const result = runSequence({ config: scenario.config, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery });
    tallyRun(tally, { scenario, result, observation: { events: { pcp_refill: 1 }, faultsFired: {}, kindCounts: result.kindCounts }, progress: index / seeds.length, lengthCap: 100 });
  });
  return tally;
}

const FAILURE: FailureRecord = {
  signature: 'aaaaaaaaaaaa', id: 'zeroed-pages-aaaaaaaaaaaa', invariant: 'zeroed-pages', message: 'm', opCount: 3, originalOps: 900, worker: 1, run: 4, runSeed: 9, lengthCap: 1000,
  rerun: 'npx pagelab fuzz ...', isNew: true, hits: 2, minimizeRuns: 40, minimizeComplete: true, timing: { minimizeMs: 120, firstHitElapsedMs: 800, opsBeforeFirstHit: 5000 },
};

function summaryOf(seeds: readonly number[], seed: number, failures: readonly FailureRecord[] = []): CampaignSummary {
  return buildSummary({
    seed, workers: 2, profile: 'buddy', budget: { kind: 'runs', runs: seeds.length }, maxOps: 100, interrupted: false, strategy: { swarm: true, ramp: true }, stoppedAtFailure: false, tally: tallyOfRuns(seeds),
    failures, crashes: [], restarts: 0, elapsedMs: 2000, opsPerWorker: [500, 700], peakHeapBytes: 1e7,
  });
}

describe('tallies and summaries', () => {
  it('tally runs: ops, checks, kinds, sometimes, lengths and the budget quarters', () => {
    const tally = tallyOfRuns([1, 2, 3, 4]);
    expect(tally.runs).toBe(4);
    expect(Object.values(tally.kindCounts).reduce((sum, counts) => sum + counts.executed, 0)).toBe(tally.opsExecuted);
    expect(tally.sometimes['pcp-refill']).toBe(4);
    expect(tally.quarters.map((quarter) => quarter.runs)).toEqual([1, 1, 1, 1]);
    expect(Object.values(tally.lengths).reduce((sum, runs) => sum + runs, 0)).toBe(4);
    expect([0, 1, 2, 3, 5, 8, 1000].map(lengthBucket)).toEqual([0, 1, 2, 2, 4, 8, 512]);
    const merged = emptyTally();
    mergeTally(merged, tally);
    mergeTally(merged, tally);
    expect(merged.runs).toBe(8);
    expect(merged.opsExecuted).toBe(2 * tally.opsExecuted);
    expect(merged.quarters[0]?.capMax).toBe(100);
  });

  it('summaries keep timings apart, and round-trip through JSON validation', () => {
    const summary = summaryOf([1, 2, 3], 5, [FAILURE]);
    expect(summary).toMatchObject({ format: 'pagelab-fuzz-summary/1', runs: 3, newFailures: 1, timing: { elapsedMs: 2000, opsPerSecondPerWorker: [250, 350] } });
    expect(summary.timing.opsPerSecond).toBe(Math.round(summary.opsExecuted / 2));
    const later = buildSummary({ ...summaryInputOf(summary), elapsedMs: 9000, peakHeapBytes: 1 });
    expect(withoutTimings(later)).toEqual(withoutTimings(summary));
    expect(parseCampaignSummary(JSON.stringify(summary), 's.json')).toEqual({ ok: true, value: summary });
    const broken = parseCampaignSummary(JSON.stringify({ ...summary, runs: -1 }), 's.json');
    expect(broken.ok ? 'ok' : broken.detail).toMatch(/^s\.json: runs: /);
    const text = parseCampaignSummary('{"format": 1,}', 's.json');
    expect(text.ok ? 'ok' : text.detail).toMatch(/^s\.json: invalid JSON at line 1/);
  });

  it('merge shards: counts add up, failures de-duplicate by signature with hits summed', () => {
    const first = summaryOf([1, 2], 5, [FAILURE]);
    const second = summaryOf([3, 4, 5], 6, [{ ...FAILURE, worker: 0, isNew: false, hits: 3 }]);
    const merged = mergeSummaries([first, second]);
    expect(merged).toMatchObject({ format: 'pagelab-fuzz-merged/1', runs: 5, opsExecuted: first.opsExecuted + second.opsExecuted, newFailures: 1 });
    expect(merged.failures).toEqual([{ ...FAILURE, hits: 5 }]);
    expect(merged.shards.map((shard) => shard.seed)).toEqual([5, 6]);
    expect(merged.sometimes.find((line) => line.name === 'pcp-refill')?.runs).toBe(5);
    expect(merged.ramp.quarters.reduce((sum, quarter) => sum + quarter.runs, 0)).toBe(5);
  });
});

function summaryInputOf(summary: CampaignSummary): Parameters<typeof buildSummary>[0] {
  return {
    seed: summary.seed, workers: summary.workers, profile: summary.profile, budget: summary.budget, maxOps: summary.maxOps, interrupted: summary.interrupted,
    strategy: summary.strategy, stoppedAtFailure: summary.stoppedAtFailure,
    tally: tallyOfRuns([1, 2, 3]), failures: summary.failures, crashes: [], restarts: 0, elapsedMs: 2000, opsPerWorker: [500, 700], peakHeapBytes: 1e7,
  };
}
