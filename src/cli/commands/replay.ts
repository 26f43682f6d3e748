// `pagelab replay FILE [--json]`: validates a corpus entry, replays it step by step through the harness interpreter (real and model counters per op, the events each op moved, an expected-vs-actual diff at the failure), and says whether its failure still reproduces.
import type { Command } from 'commander';
import { loadCorpusEntry, replayCorpusEntry, type CorpusEntry } from '../../../properties/corpus.ts';
import type { MachineFactory } from '../../../properties/harness-machine.ts';
import type { RunFailure, RunResult } from '../../../properties/run-sequence.ts';
import { formatExpectedActual, formatFailureLine, formatWeights } from '../../../properties/scenario.ts';
import { diffValues, eventDeltas, formatFailureDiff, formatTranscript } from '../../../properties/transcript.ts';
import { loadMachineFactory } from '../campaign/shard-host.ts';
import { EXIT_OK, reportUsageError } from '../io.ts';
import type { CliCommand, CliDeps } from './command.ts';

/** Exit status when the recorded failure (or another one) still breaks an invariant. */
export const EXIT_STILL_FAILS = 1;

/** The flags as commander hands them over. */
export interface ReplayFlags {
  readonly json?: boolean;
  /** A module exporting `machineFactory`: replay an entry a campaign found with --machine-factory. */
  readonly machineFactory?: string;
}

function verdict(entry: CorpusEntry, result: RunResult, reproduces: boolean): string {
  if (reproduces) return 'result: the recorded failure still reproduces';
  if (result.failure !== null) return `result: a different invariant broke (${result.failure.invariant}, recorded ${entry.failure.invariant})`;
  return 'result: the sequence now passes';
}

function textReport(path: string, entry: CorpusEntry, result: RunResult, reproduces: boolean): string {
  const lines = [
    `replaying ${path}: ${entry.title}`,
    `  recorded: ${entry.failure.invariant} at op ${entry.failure.opIndex}: ${entry.failure.message}`,
    `  found by ${entry.foundBy} (pagelab ${entry.pagelabVersion}${entry.createdAt === undefined ? '' : `, ${entry.createdAt}`})`,
    `  machine seed ${entry.seed}, audit every ${entry.auditEvery} ops, config ${JSON.stringify(entry.config)}`,
    ...(entry.weights === undefined ? [] : [`  swarm: ${formatWeights(entry.weights)}`]),
    ...formatTranscript(result),
  ];
  if (result.failure !== null) lines.push(`broken invariant: ${formatFailureLine(result.failure)}`, ...formatExpectedActual(result.failure), ...formatFailureDiff(result.failure.details));
  lines.push(verdict(entry, result, reproduces));
  return `${lines.join('\n')}\n`;
}

function failureJson(failure: RunFailure | null): unknown {
  if (failure === null) return null;
  const { stack: _stack, ...details } = failure.details as Record<string, unknown>;
  const diff = 'expected' in details && 'actual' in details ? diffValues(details['expected'], details['actual']) : [];
  return { invariant: failure.invariant, opIndex: failure.opIndex, phase: failure.phase, message: failure.message, details, diff };
}

function jsonReport(path: string, entry: CorpusEntry, result: RunResult, reproduces: boolean): string {
  return `${JSON.stringify({
    file: path, id: entry.id, recorded: entry.failure, reproduces, failure: failureJson(result.failure),
    ops: result.records.map((record, index) => ({
      index: record.index, op: record.op, text: record.text, status: record.status, facts: record.facts, events: eventDeltas(record.events, result.records[index - 1]?.events),
    })),
  })}\n`;
}

/**
 * Runs `pagelab replay`; 1 when the entry still fails, 0 when it now passes, 2 for a missing or
 * malformed file. Tests may boot a different machine (`machineFactory`).
 */
export function runReplayCommand(path: string, flags: ReplayFlags, deps: CliDeps, machineFactory?: MachineFactory): number {
  const entry = loadCorpusEntry(path);
  if (!entry.ok) return reportUsageError(deps.io, entry.detail);
  const { result, reproduces } = replayCorpusEntry(entry.value, { record: true, ...(machineFactory === undefined ? {} : { machineFactory }) });
  const report = flags.json === true ? jsonReport : textReport;
  deps.io.writeStdout(report(path, entry.value, result, reproduces));
  return result.failure === null ? EXIT_OK : EXIT_STILL_FAILS;
}

/** `replay` with the --machine-factory module loaded first (a module that cannot be loaded is a usage error). */
async function replayAction(path: string, flags: ReplayFlags, deps: CliDeps): Promise<number> {
  if (flags.machineFactory === undefined) return runReplayCommand(path, flags, deps);
  const factory = await loadMachineFactory(flags.machineFactory);
  if (!factory.ok) return reportUsageError(deps.io, factory.detail);
  return runReplayCommand(path, flags, deps, factory.value);
}

const EXAMPLES = `
Examples:
  $ pagelab replay corpus/zeroed-pages-3fa2b1c4d5e6.json
  $ pagelab replay --json corpus/zeroed-pages-3fa2b1c4d5e6.json
  $ pagelab replay --machine-factory examples/my-heap.ts corpus/heap-release-0123456789ab.json

Exit status: 1 when the recorded failure (or another invariant) still breaks,
0 when the sequence now passes, 2 for a missing or malformed file, 70 for a
pagelab bug.`;

/** The `replay` subcommand. */
export const replayCommand: CliCommand = {
  register(program: Command, deps: CliDeps, report: (status: number) => void): void {
    program
      .command('replay')
      .description('replay a corpus entry step by step and report whether its failure still reproduces')
      .argument('<FILE>', 'a corpus entry (corpus/*.json)')
      .option('--json', 'print the transcript and verdict as one JSON object')
      .option('--machine-factory <module>', 'boot machines with this module\'s machineFactory export (as the campaign that found the entry did)')
      .addHelpText('after', EXAMPLES)
      .action(async (path: string, flags: ReplayFlags) => report(await replayAction(path, flags, deps)));
  },
};
