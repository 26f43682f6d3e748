// Live campaign progress on stderr: a cli-progress bar on a terminal, a plain line every few seconds otherwise; notes (new failures) print without garbling the bar.
import { SingleBar } from 'cli-progress';
import type { SummaryBudget } from '../../../properties/campaign-summary.ts';
import type { ProgressSnapshot } from './supervisor.ts';

/** Where progress goes and how often. */
export interface ProgressOptions {
  readonly budget: SummaryBudget;
  readonly snapshot: () => ProgressSnapshot;
  /** Failures found so far. */
  readonly failures: () => number;
  /** The stream the bar or the lines go to (stderr). */
  readonly stream: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Calls `tick` every `everyMs`; returns a cancel function (the CLI's setInterval). */
  readonly every: (tick: () => void, everyMs: number) => () => void;
  /** Plain lines are this far apart. */
  readonly lineEveryMs: number;
}

/** A running display. */
export interface ProgressDisplay {
  /** Writes `text` to `write` (stdout) without garbling the bar. */
  note(text: string, write: (text: string) => void): void;
  stop(): void;
}

/** `1m05s`, `2h03m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** Fraction of the budget spent (0..1). */
function spent(budget: SummaryBudget, snapshot: ProgressSnapshot): number {
  const fraction = budget.kind === 'runs' ? snapshot.runs / budget.runs : snapshot.elapsedMs / (budget.seconds * 1000);
  return Math.min(1, Math.max(0, fraction));
}

function remainingMs(budget: SummaryBudget, snapshot: ProgressSnapshot): number {
  const fraction = spent(budget, snapshot);
  if (budget.kind === 'seconds') return budget.seconds * 1000 - snapshot.elapsedMs;
  return fraction === 0 ? 0 : (snapshot.elapsedMs / fraction) * (1 - fraction);
}

function opsPerSecond(snapshot: ProgressSnapshot): number {
  return snapshot.elapsedMs > 0 ? Math.round((snapshot.opsExecuted / snapshot.elapsedMs) * 1000) : 0;
}

/** One plain progress line. */
export function progressLine(budget: SummaryBudget, snapshot: ProgressSnapshot, failures: number): string {
  return `pagelab fuzz: ${formatDuration(snapshot.elapsedMs)} elapsed, ${formatDuration(remainingMs(budget, snapshot))} left, ${snapshot.runs} runs, ` +
    `${snapshot.opsExecuted} ops (${opsPerSecond(snapshot)} ops/s), length cap ${snapshot.lengthCap}, ${failures} failures, ${snapshot.crashes} crashes\n`;
}

function barPayload(options: ProgressOptions): Record<string, string | number> {
  const snapshot = options.snapshot();
  return {
    elapsedText: formatDuration(snapshot.elapsedMs), remainingText: formatDuration(remainingMs(options.budget, snapshot)), runs: snapshot.runs,
    rate: opsPerSecond(snapshot), cap: snapshot.lengthCap, failures: options.failures(), crashes: snapshot.crashes,
  };
}

const BAR_FORMAT = 'fuzz [{bar}] {percentage}% | {elapsedText} elapsed, {remainingText} left | {runs} runs | {rate} ops/s | cap {cap} | {failures} failures, {crashes} crashes';
/** Bar updates per second. */
const BAR_UPDATE_MS = 250;
/** The bar counts in per-mille of the budget. */
const BAR_TOTAL = 1000;

function startBar(options: ProgressOptions): ProgressDisplay {
  const bar = new SingleBar({ stream: options.stream, format: BAR_FORMAT, hideCursor: false, clearOnComplete: false, barsize: 24, fps: 4 });
  bar.start(BAR_TOTAL, 0, barPayload(options));
  const update = (): void => bar.update(Math.round(spent(options.budget, options.snapshot()) * BAR_TOTAL), barPayload(options));
  const cancel = options.every(update, BAR_UPDATE_MS);
  return {
    note: (text, write) => {
      options.stream.write('\r\u001b[2K');
      write(text);
      update();
    },
    stop: () => {
      cancel();
      update();
      bar.stop();
    },
  };
}

function startLines(options: ProgressOptions): ProgressDisplay {
  const cancel = options.every(() => options.stream.write(progressLine(options.budget, options.snapshot(), options.failures())), options.lineEveryMs);
  return { note: (text, write) => write(text), stop: cancel };
}

/** Starts the display: a bar when the stream is a terminal, plain lines otherwise. */
export function startProgress(options: ProgressOptions): ProgressDisplay {
  return options.stream.isTTY === true ? startBar(options) : startLines(options);
}
