// Transcript lines for replay: each applied op with its result, the real allocator's and the model's counters after it (with what changed) and the event counters it moved; a readable expected-vs-actual diff at the failure.
import type { OpRecord, RunFacts, RunResult } from './run-sequence.ts';

/** `15872 -8` when the value moved since the previous op, else `15872`. */
function withDelta(value: number, before: number | undefined): string {
  const delta = before === undefined ? 0 : value - before;
  return delta === 0 ? String(value) : `${value} ${delta > 0 ? '+' : ''}${delta}`;
}

/** The counters that matter after an op: the real allocator's (free, per-CPU, isolated) and the model's (allocated pages, live handles). */
export function formatFacts(facts: RunFacts, before?: RunFacts): string {
  const show = (name: keyof RunFacts): string => `${name} ${withDelta(facts[name], before?.[name])}`;
  return `[real: ${show('free')}, ${show('pcp')}, ${show('isolated')} | model: ${show('allocated')}, ${show('live')}]`;
}

/** Event counters an op moved (`pgalloc+8 pcp_refill+1`), from the snapshots before and after it. */
export function eventDeltas(events: Readonly<Record<string, number>> | undefined, before: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const deltas: Record<string, number> = {};
  if (events === undefined) return deltas;
  for (const [name, value] of Object.entries(events)) {
    const delta = value - (before?.[name] ?? 0);
    if (delta !== 0) deltas[name] = delta;
  }
  return deltas;
}

/** `  12  freePages target 3 → #3 pfn 2048 order 3   [real: free 15880 +8, pcp 12, isolated 0 | model: allocated 232 -8, live 16 -1]  pgfree+8`. */
export function formatRecordLine(record: OpRecord, indexWidth: number, previous?: OpRecord): string {
  const events = Object.entries(eventDeltas(record.events, previous?.events)).map(([name, delta]) => `${name}${delta > 0 ? '+' : ''}${delta}`).join(' ');
  return `  ${String(record.index).padStart(indexWidth)}  ${record.text}   ${formatFacts(record.facts, previous?.facts)}${events === '' ? '' : `  ${events}`}`;
}

/** Every record of a recorded run, one line each. */
export function formatTranscript(result: RunResult): string[] {
  const width = String(Math.max(result.records.length - 1, 0)).length;
  return result.records.map((record, index) => formatRecordLine(record, width, result.records[index - 1]));
}

/** One difference between an expected and an actual value. */
export interface DiffLine {
  /** `[3].pfn`, or '' for the values themselves. */
  readonly path: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/** Most differences a diff lists. */
const DIFF_LINES_MAX = 20;
/** Absent from one side. */
const MISSING = Symbol('missing');

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

function keyPath(path: string, key: string, array: boolean): string {
  return array ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
}

function collectDiff(path: string, expected: unknown, actual: unknown, into: DiffLine[]): void {
  if (into.length > DIFF_LINES_MAX) return;
  if (!isContainer(expected) || !isContainer(actual) || Array.isArray(expected) !== Array.isArray(actual)) {
    if (JSON.stringify(expected) !== JSON.stringify(actual)) into.push({ path, expected, actual });
    return;
  }
  const array = Array.isArray(expected);
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
  for (const key of keys) {
    const left = key in expected ? (expected as Record<string, unknown>)[key] : MISSING;
    const right = key in actual ? (actual as Record<string, unknown>)[key] : MISSING;
    collectDiff(keyPath(path, key, array), left, right, into);
  }
}

/** The differences between `expected` and `actual`, leaf by leaf (arrays by index, objects by key). */
export function diffValues(expected: unknown, actual: unknown): DiffLine[] {
  const lines: DiffLine[] = [];
  collectDiff('', expected, actual, lines);
  return lines;
}

function shown(value: unknown): string {
  return value === MISSING ? '(absent)' : JSON.stringify(value) ?? String(value);
}

/**
 * The readable diff of a failure's details: nothing when there is no expected/actual pair or they
 * are plain values (formatExpectedActual prints those), else one line per differing leaf, then the
 * other facts the invariant recorded.
 */
export function formatFailureDiff(details: Readonly<Record<string, unknown>>): string[] {
  const lines: string[] = [];
  if ('expected' in details && 'actual' in details && isContainer(details['expected']) && isContainer(details['actual'])) {
    const diff = diffValues(details['expected'], details['actual']);
    lines.push(`  diff (expected → actual), ${diff.length > DIFF_LINES_MAX ? `first ${DIFF_LINES_MAX}` : diff.length} differences:`);
    for (const line of diff.slice(0, DIFF_LINES_MAX)) lines.push(`    ${line.path === '' ? '(value)' : line.path}: ${shown(line.expected)} → ${shown(line.actual)}`);
  }
  const facts = Object.entries(details).filter(([key]) => key !== 'expected' && key !== 'actual' && key !== 'stack');
  if (facts.length > 0) lines.push(`  facts: ${facts.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(' ')}`);
  return lines;
}
