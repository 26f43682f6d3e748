// The mutants report as text: one table row per seeded bug (detected k/K, time and ops to detection and minimized length as median/max, the outcomes fired and whether they were expected), then the control, the totals against the targets and the conditions.
import { TARGET_MEDIAN_MS, TARGET_MINIMIZED_OPS, type MutantReport, type Spread } from './aggregate.ts';
import type { MutantsReport } from './mutants-report.ts';

function spreadText(spread: Spread | undefined): string {
  return spread === undefined ? '-' : `${Math.round(spread.median)}/${Math.round(spread.max)}`;
}

const COLUMNS = [['bug', 6], ['area', 7], ['profile', 8], ['found/budget', 13], ['ms med/max', 14], ['ops med/max', 16], ['min med/max', 12]] as const;

function row(cells: readonly string[]): string {
  return cells.map((cell, index) => cell.padEnd(COLUMNS[index]?.[1] ?? 0)).join(' ').trimEnd();
}

function statusCell(report: MutantReport): string {
  if (report.status === 'stale') return 'STALE';
  if (report.status === 'error') return 'ERROR';
  return `${report.detectedSeeds}/${report.seeds}${report.status === 'detected' ? '' : '!'} ${report.budgetSeconds}s`;
}

function firedCell(report: MutantReport): string {
  if (report.status === 'stale' || report.status === 'error') return report.detail ?? '';
  if (report.fired.length === 0) return 'nothing fired';
  return `${report.fired.join(', ')}${report.firedAsExpected ? '' : `  (expected ${report.expected.join(' | ')})`}`;
}

function reportRow(report: MutantReport): string {
  return row([report.id, report.area, report.profile, statusCell(report), spreadText(report.firstHitMs), spreadText(report.opsBeforeHit), spreadText(report.minimizedOps), firedCell(report)]);
}

function controlLines(report: MutantsReport): string[] {
  const { control } = report;
  if (control.status === 'skipped') return ['control: skipped (--no-control)'];
  const head = `control (unpatched copy, profiles ${control.profiles.join(', ')}, ${control.runs.length} campaigns): ${control.status === 'clean' ? 'clean' : control.status.toUpperCase()}`;
  const findings = control.runs.flatMap((run) => (run.outcome.kind === 'found' ? [`  ${run.profile} seed ${run.seed}: ${run.outcome.invariant}: ${run.outcome.message}\n    rerun: ${run.outcome.rerun}`] : []));
  const errors = control.runs.flatMap((run) => (run.outcome.kind === 'error' ? [`  ${run.profile} seed ${run.seed}: ${run.outcome.detail}`] : []));
  return [head, ...findings, ...errors];
}

function totalLines(report: MutantsReport): string[] {
  const { totals } = report;
  const s = totals.byStatus;
  const median = totals.medianOfMediansMs === undefined ? '-' : `${Math.round(totals.medianOfMediansMs)} ms`;
  return [
    `bugs: ${totals.bugs}; detected in every seed ${s.detected}, in some ${s.partial}, missed ${s.missed}, stale ${s.stale}, errors ${s.error}; median of the per-bug median times ${median}`,
    `median time to detection >= ${TARGET_MEDIAN_MS / 1000} s: ${totals.slowerThanTarget.join(', ') || 'none'}`,
    `median minimized length > ${TARGET_MINIMIZED_OPS} ops: ${totals.longerThanTarget.join(', ') || 'none'}`,
    `an outcome outside the expected ones fired: ${totals.unexpectedOutcome.join(', ') || 'none'}`,
  ];
}

function conditionLine(report: MutantsReport): string {
  const c = report.conditions;
  const strategy = `${c.strategy.swarm ? 'swarm' : 'no swarm'}, ${c.strategy.ramp ? 'ramp' : 'no ramp'}${c.strategy.bias === undefined ? ', each profile\'s default bias' : `, bias ${c.strategy.bias}`}`;
  const load = `load average ${c.loadAverageStart.map((value) => value.toFixed(2)).join(' ')} at the start, ${c.loadAverageEnd.map((value) => value.toFixed(2)).join(' ')} at the end`;
  const budget = c.secondsPerMutant === undefined ? 'each bug its own budget' : `${c.secondsPerMutant} s per campaign`;
  const interrupted = c.interrupted ? 'INTERRUPTED (Ctrl-C); ' : '';
  return `conditions: ${interrupted}${budget}, seeds ${c.seeds.join(', ')}, ${c.jobs} job(s), ${strategy}, minimize ${c.minimizeSeconds} s, hang ${c.hangSeconds} s; ${c.cpus} CPUs, ${load}; node ${c.node}; ${(c.elapsedMs / 1000).toFixed(0)} s in all`;
}

/** The text report of `pagelab mutants`. */
export function formatMutantsReport(report: MutantsReport): string {
  const header = row([...COLUMNS.map(([name]) => name as string), 'fired']);
  const lines = [header, ...report.mutants.map(reportRow), '', ...controlLines(report), ...totalLines(report), conditionLine(report), `result: ${report.ok ? 'OK' : 'FAILED'}`];
  return `${lines.join('\n')}\n`;
}
