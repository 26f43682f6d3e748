// The single registration point of the CLI: which subcommands exist and which trace target `sim` runs against.
import { createMachineTraceTarget } from '../trace/machine-target.ts';
import type { TraceTargetFactory } from '../trace/target-factory.ts';
import type { CliCommand } from './commands/command.ts';
import { corpusCommand } from './commands/corpus.ts';
import { fuzzMergeCommand } from './commands/fuzz-merge.ts';
import { fuzzCommand } from './commands/fuzz.ts';
import { mutantsCommand } from './commands/mutants.ts';
import { replayCommand } from './commands/replay.ts';
import { simCommand } from './commands/sim.ts';

/** The target `pagelab sim` builds for a config: a booted machine with its files and verbs. */
export const SIM_TARGET_FACTORY: TraceTargetFactory = createMachineTraceTarget;

/** Every subcommand, in --help order; a new command is one file in commands/ plus one entry here. */
export const CLI_COMMANDS: readonly CliCommand[] = [simCommand, fuzzCommand, fuzzMergeCommand, replayCommand, corpusCommand, mutantsCommand];
