// The campaign summary as text: totals and throughput, the length ramp, the swarm, per-kind counts and skips, sometimes events with warnings, minimization work, failures and crashes with their replay commands.
import type { CampaignSummary, CrashRecord, FailureRecord, MergedSummary, SummaryBody } from '../../../properties/campaign-summary.ts';
import { formatDuration } from './progress.ts';

function headline(summary: SummaryBody, what: string): string {
  const perWorker = summary.timing.opsPerSecondPerWorker.length > 1 ? `; per worker ${summary.timing.opsPerSecondPerWorker.join(', ')}` : '';
  return `pagelab fuzz: ${what}${summary.runs} runs, ${summary.opsExecuted} ops in ${(summary.timing.elapsedMs / 1000).toFixed(1)} s ` +
    `(${summary.timing.opsPerSecond} checked ops/s${perWorker}), ${summary.checks} invariant checks`;
}

function rampLines(summary: SummaryBody): string[] {
  const quarters = summary.ramp.quarters.map((quarter, index) => `Q${index + 1} ${quarter.runs} runs, mean ${quarter.meanOps} ops, cap ${quarter.capMax}`);
  const lengths = summary.ramp.lengths.map((bucket) => `${bucket.from === bucket.to ? bucket.from : `${bucket.from}-${bucket.to}`}: ${bucket.runs}`);
  return [`  ramp (budget quarters): ${quarters.join('; ')}`, `  run lengths (ops: runs): ${lengths.join(', ') || 'none'}`];
}

function swarmLine(summary: SummaryBody): string {
  const sites = Object.entries(summary.swarm.faultSitesOn).map(([site, runs]) => `${site} ${runs}`).join(', ') || 'none';
  return `  swarm: ${summary.swarm.withCma} runs with CMA, ${summary.swarm.twoBanks} with two banks; fault sites on (runs): ${sites}`;
}

function kindTable(summary: SummaryBody): string[] {
  const lines = [`  ${'op'.padEnd(18)}${'executed'.padStart(10)}${'skipped'.padStart(10)}${'errno'.padStart(10)}`];
  for (const [kind, counts] of Object.entries(summary.kindCounts).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${kind.padEnd(18)}${String(counts.executed).padStart(10)}${String(counts.skipped).padStart(10)}${String(counts.failed).padStart(10)}`);
  }
  return lines;
}

function sometimesLines(summary: SummaryBody): string[] {
  const shown = summary.sometimes.filter((line) => line.status === 'fired' || line.status === 'never');
  const lines = ['  sometimes events (runs in which each fired):'];
  for (const line of shown) lines.push(`    ${line.status === 'never' ? 'NEVER' : 'fired'} ${line.name.padEnd(30)}${String(line.runs).padStart(8)}  ${line.description}`);
  const unregistered = summary.sometimes.filter((line) => line.status === 'not-registered').map((line) => line.name);
  if (unregistered.length > 0) lines.push(`    not reachable yet (the profile's op modules are not registered): ${unregistered.join(', ')}`);
  return [...lines, ...summary.warnings.map((warning) => `  warning: ${warning}`)];
}

function failureLines(failure: FailureRecord): string[] {
  const hits = failure.hits > 1 ? `, found ${failure.hits}×` : '';
  const cut = failure.minimizeComplete ? '' : ', minimization cut short';
  return [
    `    ${failure.isNew ? 'NEW' : 'known'} ${failure.id} (${failure.opCount} ops from ${failure.originalOps}${cut}${hits}; worker ${failure.worker} run ${failure.run}): ${failure.message}`,
    ...(failure.corpusPath === undefined ? [] : [`      replay: ${failure.replay ?? `npx pagelab replay ${failure.corpusPath}`}`]),
    `      rerun:  ${failure.rerun}`,
  ];
}

function crashLines(crash: CrashRecord): string[] {
  return [`    worker ${crash.worker} run ${crash.run} (seed ${crash.runSeed}): ${crash.message}`, `      rerun: ${crash.rerun}`];
}

function findingLines(summary: SummaryBody): string[] {
  const minimize = `  minimization: ${summary.minimize.failingRuns} failing runs, ${summary.minimize.runs} candidate runs, ${summary.minimize.ops} ops, ${formatDuration(summary.timing.minimizeMs)}`;
  const failures = summary.failures.length === 0 ? ['  failures: none'] : [`  failures: ${summary.newFailures} new, ${summary.failures.length - summary.newFailures} known`, ...summary.failures.flatMap(failureLines)];
  const restarts = summary.restarts > 0 ? ` (${summary.restarts} restarts)` : '';
  const crashes = summary.crashes.length === 0 ? ['  crashes: none'] : [`  crashes: ${summary.crashes.length}${restarts}`, ...summary.crashes.flatMap(crashLines)];
  return [minimize, ...failures, ...crashes];
}

function bodyLines(summary: SummaryBody): string[] {
  return [...rampLines(summary), swarmLine(summary), ...kindTable(summary), ...sometimesLines(summary), ...findingLines(summary)];
}

/** The text summary of a campaign. */
export function formatCampaignSummary(summary: CampaignSummary): string {
  const stopped = summary.interrupted ? ' (interrupted)' : '';
  const lines = [`${headline(summary, '')}${stopped}`, `  seed ${summary.seed}, ${summary.workers} workers, profile ${summary.profile}, up to ${summary.maxOps} ops per run`, ...bodyLines(summary)];
  return `${lines.join('\n')}\n`;
}

/** The text summary of merged shard summaries. */
export function formatMergedSummary(summary: MergedSummary): string {
  const shards = summary.shards.map((shard) => `seed ${shard.seed} (${shard.workers} workers, ${shard.runs} runs${shard.interrupted ? ', interrupted' : ''})`);
  const lines = [headline(summary, `${summary.shards.length} shards, `), `  shards: ${shards.join('; ')}`, ...bodyLines(summary)];
  return `${lines.join('\n')}\n`;
}
