// The progress display: durations, plain lines on a non-terminal, the cli-progress bar on a terminal (a fake one), and notes that do not garble it.
import { describe, expect, it } from 'vitest';
import { formatDuration, progressLine, startProgress } from '../../src/cli/campaign/progress.ts';
import type { ProgressSnapshot } from '../../src/cli/campaign/supervisor.ts';

const SNAPSHOT: ProgressSnapshot = { elapsedMs: 30_000, runs: 120, opsExecuted: 600_000, crashes: 0, lengthCap: 812 };

/** A stream that records writes; a terminal when `tty`. */
function fakeStream(tty: boolean): NodeJS.WritableStream & { isTTY: boolean; text: () => string } {
  let text = '';
  const stream = {
    isTTY: tty, columns: 160,
    write: (chunk: string) => ((text += chunk), true),
    cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream,
    text: () => text,
  };
  return stream as unknown as NodeJS.WritableStream & { isTTY: boolean; text: () => string };
}

/** A timer the test fires by hand. */
function manualTimer(): { every: (tick: () => void) => () => void; fire: () => void; cancelled: () => boolean } {
  let ticks: (() => void)[] = [];
  let cancelled = false;
  return {
    every: (tick) => {
      ticks.push(tick);
      return () => ((cancelled = true), (ticks = []));
    },
    fire: () => ticks.forEach((tick) => tick()),
    cancelled: () => cancelled,
  };
}

describe('progress', () => {
  it('formats durations and plain lines (remaining time from the budget or the run rate)', () => {
    expect([0, 5_400, 65_000, 7_380_000].map(formatDuration)).toEqual(['0s', '5s', '1m05s', '2h03m']);
    expect(progressLine({ kind: 'seconds', seconds: 60 }, SNAPSHOT, 2)).toBe('pagelab fuzz: 30s elapsed, 30s left, 120 runs, 600000 ops (20000 ops/s), length cap 812, 2 failures, 0 crashes\n');
    expect(progressLine({ kind: 'runs', runs: 480 }, SNAPSHOT, 0)).toMatch(/^pagelab fuzz: 30s elapsed, 1m30s left, 120 runs, /);
  });

  it('writes a line every interval when the stream is not a terminal, and stops', () => {
    const stream = fakeStream(false);
    const timer = manualTimer();
    const display = startProgress({ budget: { kind: 'seconds', seconds: 60 }, snapshot: () => SNAPSHOT, failures: () => 1, stream, every: timer.every, lineEveryMs: 10_000 });
    expect(stream.text()).toBe('');
    timer.fire();
    expect(stream.text()).toBe(progressLine({ kind: 'seconds', seconds: 60 }, SNAPSHOT, 1));
    let out = '';
    display.note('NEW failure\n', (text) => (out += text));
    expect(out).toBe('NEW failure\n');
    display.stop();
    expect(timer.cancelled()).toBe(true);
  });

  it('draws a bar on a terminal and clears its line before a note', () => {
    const stream = fakeStream(true);
    const timer = manualTimer();
    const display = startProgress({ budget: { kind: 'seconds', seconds: 60 }, snapshot: () => SNAPSHOT, failures: () => 0, stream, every: timer.every, lineEveryMs: 10_000 });
    timer.fire();
    let out = '';
    display.note('NEW failure\n', (text) => (out += text));
    display.stop();
    expect(stream.text()).toContain('fuzz [');
    expect(stream.text()).toMatch(/50% \| 30s elapsed, 30s left \| 120 runs \| 20000 ops\/s \| cap 812 \| 0 failures, 0 crashes/);
    expect(stream.text()).toContain('\r\u001b[2K');
    expect(out).toBe('NEW failure\n');
  });
});
