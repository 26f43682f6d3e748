// `pagelab fuzz-merge FILE... [--json]`: merges the JSON summaries of several campaigns (the nightly's shards) into one, failures de-duplicated by signature.
import type { Command } from 'commander';
import { mergeSummaries, parseCampaignSummary, type CampaignSummary } from '../../../properties/campaign-summary.ts';
import { formatMergedSummary } from '../campaign/format.ts';
import { EXIT_OK, reportUsageError } from '../io.ts';
import type { CliCommand, CliDeps } from './command.ts';
import { EXIT_NEW_FAILURE } from './fuzz.ts';

/** The flags as commander hands them over. */
export interface FuzzMergeFlags {
  readonly json?: boolean;
}

/** Runs `pagelab fuzz-merge`: 1 when any shard found a new failure or crashed, 0 otherwise, 2 for a missing or malformed file. */
export function runFuzzMergeCommand(files: readonly string[], flags: FuzzMergeFlags, deps: CliDeps): number {
  const summaries: CampaignSummary[] = [];
  for (const file of files) {
    const text = deps.io.readTextFile(file);
    if (!text.ok) return reportUsageError(deps.io, text.detail);
    const summary = parseCampaignSummary(text.value, file);
    if (!summary.ok) return reportUsageError(deps.io, summary.detail);
    summaries.push(summary.value);
  }
  const merged = mergeSummaries(summaries);
  deps.io.writeStdout(flags.json === true ? `${JSON.stringify(merged)}\n` : formatMergedSummary(merged));
  return merged.newFailures > 0 || merged.crashes.length > 0 ? EXIT_NEW_FAILURE : EXIT_OK;
}

const EXAMPLES = `
Examples:
  $ pagelab fuzz-merge summaries/*.json
  $ pagelab fuzz-merge --json shard-0.json shard-1.json > merged.json

Exit status: 1 when any shard found a new failure or a worker crashed, 0
otherwise, 2 for a missing or malformed summary, 70 for a pagelab bug.`;

/** The `fuzz-merge` subcommand. */
export const fuzzMergeCommand: CliCommand = {
  register(program: Command, deps: CliDeps, report: (status: number) => void): void {
    program
      .command('fuzz-merge')
      .description('merge the --json summaries of several fuzz campaigns (e.g. nightly shards) into one')
      .argument('<FILE...>', 'summaries written by pagelab fuzz --json')
      .option('--json', 'print the merged summary as one JSON object')
      .addHelpText('after', EXAMPLES)
      .action((files: string[], flags: FuzzMergeFlags) => report(runFuzzMergeCommand(files, flags, deps)));
  },
};
