// The fuzz loop in-process: budgets in runs and seconds (on an injected clock), determinism, and failures minimized, written to the corpus once per signature and replayable.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/base/errno.ts';
import type { Pfn } from '../../src/base/units.ts';
import { PageAllocator, type AllocOptions } from '../../src/buddy/page-allocator.ts';
import { __GFP_ZERO, type Gfp } from '../../src/mem/gfp.ts';
import { loadCorpusEntry, replayCorpusEntry } from '../../properties/corpus.ts';
import { batchSeed, runFuzz, type FuzzOptions } from '../../properties/fuzz.ts';
import { machineWith } from './harness-fixtures.ts';

/** Never zeroes a __GFP_ZERO allocation. */
class NeverZeroes extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    return super.allocPages(gfp & ~__GFP_ZERO, order, options);
  }
}

/** A clock that moves `stepMs` on every reading. */
function steppingClock(stepMs: number): () => number {
  let nowMs = 0;
  return () => (nowMs += stepMs);
}

function options(overrides: Partial<FuzzOptions>): FuzzOptions {
  return { budget: { kind: 'runs', runs: 6 }, now: steppingClock(1), seed: 9, maxOps: 300, pagelabVersion: '0.1.0', foundBy: 'a test', ...overrides };
}

describe('runFuzz', () => {
  it('spends a budget in runs, deterministically', () => {
    const first = runFuzz(options({ batchRuns: 4 }));
    const second = runFuzz(options({ batchRuns: 4 }));
    expect(second).toEqual(first);
    expect(first).toMatchObject({ seed: 9, runs: 6, failures: [], newFailures: 0, shrinkRuns: 0 });
    expect(first.opsExecuted).toBeGreaterThan(0);
    expect(first.checks).toBeGreaterThan(first.opsExecuted);
    expect(Object.values(first.kindCounts).reduce((sum, counts) => sum + counts.executed, 0)).toBe(first.opsExecuted);
    expect(first.swarm.meanOps).toBe(Math.round(first.opsExecuted / 6));
  });

  it('spends a budget in seconds on the injected clock, checked between batches', () => {
    const summary = runFuzz(options({ budget: { kind: 'seconds', seconds: 1 }, now: steppingClock(400), batchRuns: 2 }));
    expect(summary.runs).toBe(4);
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(1000);
  });

  it('derives batch seeds from the base seed', () => {
    expect(batchSeed(9, 0)).toBe(9);
    expect(new Set([0, 1, 2, 3].map((i) => batchSeed(9, i))).size).toBe(4);
  });

  it('minimizes a failure, writes it once per signature, and the entry replays', () => {
    const corpusDir = join(mkdtempSync(join(tmpdir(), 'pagelab-fuzz-')), 'corpus');
    const reports: string[] = [];
    const fuzz = (): ReturnType<typeof runFuzz> => runFuzz(options({
      budget: { kind: 'runs', runs: 8 }, batchRuns: 4, corpusDir, machineFactory: machineWith(NeverZeroes), createdAt: () => '2026-01-01T00:00:00Z',
      onFailure: (failure) => reports.push(failure.report),
    }));
    const summary = fuzz();
    expect(summary.failures.length).toBeGreaterThan(0);
    const [failure] = summary.failures;
    expect(failure).toMatchObject({ invariant: 'zeroed-pages', isNew: true, shrinkComplete: true });
    expect(failure!.opCount).toBeLessThanOrEqual(6);
    expect(summary.newFailures).toBe(new Set(summary.failures.map((f) => f.signature)).size);
    expect(reports[0]).toMatch(/broken invariant: zeroed-pages at op \d+/);
    expect(readdirSync(corpusDir)).toContain(`zeroed-pages-${failure!.signature}.json`);
    const entry = loadCorpusEntry(failure!.corpusPath!);
    if (!entry.ok) throw new Error(entry.detail);
    expect(entry.value).toMatchObject({ foundBy: 'a test', createdAt: '2026-01-01T00:00:00Z', pagelabVersion: '0.1.0' });
    expect(replayCorpusEntry(entry.value, { machineFactory: machineWith(NeverZeroes) }).reproduces).toBe(true);
    expect(replayCorpusEntry(entry.value).reproduces).toBe(false);
    const again = fuzz();
    expect(again.newFailures).toBe(0);
    expect(again.failures.every((f) => !f.isNew)).toBe(true);
  });

  it('without a corpus directory, counts a signature as new once per session', () => {
    const summary = runFuzz(options({ budget: { kind: 'runs', runs: 8 }, batchRuns: 2, machineFactory: machineWith(NeverZeroes) }));
    expect(summary.failures.every((failure) => failure.corpusPath === undefined)).toBe(true);
    expect(summary.newFailures).toBe(new Set(summary.failures.map((failure) => failure.signature)).size);
  });
});
