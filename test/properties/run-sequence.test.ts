// The one interpreter: deterministic results, audit points and the end-state oracle as failure phases, the unchecked baseline, and the scenario report.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageAllocator, type PageAllocatorEnv } from '../../src/buddy/page-allocator.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import type { PlatformLayout } from '../../src/mem/platform.ts';
import { scenarioArbitrary } from '../../properties/arbitraries/scenario.ts';
import type { Op } from '../../properties/ops/registry.ts';
import { runSequence } from '../../properties/run-sequence.ts';
import { formatScenario, formatWeights, runScenario, type Scenario } from '../../properties/scenario.ts';
import { formatTranscript } from '../../properties/transcript.ts';
import { machineWith, SMALL_CONFIG } from './harness-fixtures.ts';

const SCENARIOS = fc.sample(scenarioArbitrary({ maxOps: 400, config: fc.constant(SMALL_CONFIG) }), { numRuns: 6, seed: 11 });

/** Corrupts a free counter on every drain: only an audit can see it. */
class DrainCorruptsCounter extends PageAllocator {
  override drainAllPages(): void {
    super.drainAllPages();
    this.zones[0]!.freeArea.nrFreeCmaPages += 1;
  }
}

/** Allocates one page for itself on the first drain of everything: a leak that only the end-state oracle sees. */
class LeaksOnDrainAll extends PageAllocator {
  private readonly leakOwner: number;
  private leaked = false;

  constructor(layout: PlatformLayout, env: PageAllocatorEnv) {
    super(layout, env);
    this.leakOwner = env.owners.register('test', 'leak');
  }

  override drainAllPages(): void {
    super.drainAllPages();
    if (this.leaked) return;
    this.leaked = true;
    this.allocPages(GFP_KERNEL, 0, { owner: this.leakOwner });
  }
}

describe('runSequence', () => {
  it('is deterministic: the same scenario gives the same result and records', () => {
    for (const scenario of SCENARIOS) {
      const first = runScenario(scenario, { record: true });
      const second = runScenario(scenario, { record: true });
      expect(second).toEqual(first);
      expect(first.failure).toBeNull();
      expect(first.opsExecuted).toBe(scenario.ops.length);
    }
  });

  it('counts ops per kind and invariant checks', () => {
    const result = runScenario(SCENARIOS[0]!);
    const executed = Object.values(result.kindCounts).reduce((sum, counts) => sum + counts.executed, 0);
    expect(executed).toBe(SCENARIOS[0]!.ops.length);
    expect(result.checks).toBeGreaterThan(SCENARIOS[0]!.ops.length);
  });

  it('reports a break found by an audit with phase "audit", and nothing without audits until the end', () => {
    const ops: Op[] = [{ op: 'drain' }, { op: 'tick', deltaMs: 1 }, { op: 'tick', deltaMs: 1 }];
    const audited = runSequence({ config: SMALL_CONFIG, seed: 's', ops, auditEvery: 2, machineFactory: machineWith(DrainCorruptsCounter) });
    expect(audited.failure).toMatchObject({ invariant: 'structural', opIndex: 1, phase: 'audit' });
    const atEnd = runSequence({ config: SMALL_CONFIG, seed: 's', ops, auditEvery: 0, machineFactory: machineWith(DrainCorruptsCounter) });
    expect(atEnd.failure).toMatchObject({ invariant: 'structural', opIndex: 3, phase: 'end' });
  });

  it('the end-state oracle catches what only shows after everything is freed', () => {
    const result = runSequence({ config: SMALL_CONFIG, seed: 's', ops: [], auditEvery: 0, machineFactory: machineWith(LeaksOnDrainAll) });
    expect(result.failure).toMatchObject({ invariant: 'end-state', phase: 'end' });
  });

  it('the unchecked mode applies the same ops without checks', () => {
    const scenario = SCENARIOS[1]!;
    const unchecked = runSequence({ ...scenario, checking: false });
    expect(unchecked).toMatchObject({ failure: null, checks: 0, opsExecuted: scenario.ops.length });
    expect(unchecked.kindCounts).toEqual(runScenario(scenario).kindCounts);
  });
});

describe('the scenario report', () => {
  const scenario: Scenario = {
    config: SMALL_CONFIG, seed: '5', auditEvery: 100, weights: { allocPages: 4, freePages: 2 },
    ops: [{ op: 'allocPages', gfp: 'GFP_KERNEL', order: 0, cpu: 0 }, { op: 'allocPages', gfp: 'GFP_KERNEL', order: 11, cpu: 0 }],
  };

  it('prints the seed, the swarm, one op per line and the verdict', () => {
    const text = formatScenario(scenario, runScenario(scenario, { record: true }));
    expect(text).toMatch(/^machine seed: 5\nmachine config: .*\nswarm: allocPages=4 freePages=2 getPage=off .* audit every 100 ops\nops \(2\):\n {2}0 {2}allocPages GFP_KERNEL order 0 cpu 0 → #1 pfn \d+\n {2}1 {2}allocPages GFP_KERNEL order 11 cpu 0 → ENOMEM\nno invariant broken\n$/);
    expect(formatWeights({ tick: 3 })).toMatch(/^allocPages=off freePages=off getPage=off putPage=off allocPagesBulk=off drain=off tick=3 armFault=off( \w+=off)*$/);
  });

  it('prints the broken invariant with expected and actual, and transcripts carry the counters', () => {
    const broken = runSequence({ config: SMALL_CONFIG, seed: '5', ops: [{ op: 'drain' }], auditEvery: 1, record: true, machineFactory: machineWith(DrainCorruptsCounter) });
    const text = formatScenario({ ...scenario, ops: [{ op: 'drain' }] }, broken);
    expect(text).toMatch(/\nbroken invariant: structural at op 0 \(audit\) \(the structural checker \(checkBuddy\) finds nothing\): 1 structural violation: zone 0 .*NR_FREE_CMA_PAGES/);
    expect(formatTranscript(broken)).toEqual([expect.stringMatching(/^ {2}0 {2}drain all CPUs → 0 per-CPU pages \(all CPUs\) back to the buddy lists {3}\[real: free \d+, pcp 0, isolated 0 \| model: allocated 0, live 0\]( {2}\S.*)?$/)]);
    const noMachine = formatScenario(scenario);
    expect(noMachine).toMatch(/\n {2}1 {2}allocPages GFP_KERNEL order 11 cpu 0\n$/);
  });
});
