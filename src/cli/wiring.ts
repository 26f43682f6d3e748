// The single registration point of the CLI: which subcommands exist and which trace target `sim` runs against.
import { createConfigOnlyTarget, type TraceTargetFactory } from '../trace/target-factory.ts';
import type { CliCommand } from './commands/command.ts';
import { simCommand } from './commands/sim.ts';

/**
 * The target `pagelab sim` builds for a config. Until the machine exists this is the config-only
 * target (no files, no heaps, `sim help`); the machine integration replaces it here.
 */
export const SIM_TARGET_FACTORY: TraceTargetFactory = createConfigOnlyTarget;

/** Every subcommand, in --help order; a new command is one file in commands/ plus one entry here. */
export const CLI_COMMANDS: readonly CliCommand[] = [simCommand];
