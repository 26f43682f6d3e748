// `pagelab sim [--mem SIZE] [--cmdline PARAMS] [--config FILE] [--annotate] TRACE`: builds the machine, checks the whole trace, runs it, prints the transcript.
import type { Command } from 'commander';
import { err, type Result } from '../../base/errno.ts';
import { formatSize, parseSize } from '../../base/units.ts';
import { defaultMachineConfig, mergeCliOverrides, parseMachineConfig, type MachineConfig } from '../../machine/config.ts';
import { checkSimStatements, parseTrace } from '../../trace/parse.ts';
import { runTrace } from '../../trace/run.ts';
import { renderTranscript } from '../../trace/transcript.ts';
import { EXIT_OK, parseJsonText, reportUsageError, type CliIo } from '../io.ts';
import type { CliCommand, CliDeps } from './command.ts';

/** RAM of the default machine (TRACE.md: `--mem 256M`), used when neither --mem nor --config is given. */
export const DEFAULT_SIM_MEM_BYTES = 256 * 2 ** 20;
/** Command line of the default machine (TRACE.md: `--cmdline "cma=16M"`): a 16 MiB default CMA area `reserved`. */
export const DEFAULT_SIM_CMDLINE = 'cma=16M';
/** The machine's Rng seed: sim runs are deterministic, the same trace always gives the same transcript. */
export const SIM_SEED = 'pagelab-sim';

/** The `sim` flags as commander hands them over (absent flags are undefined). */
export interface SimOptions {
  readonly mem?: string;
  readonly cmdline?: string;
  readonly config?: string;
  readonly annotate?: boolean;
}

const EXAMPLES = `
Without --config the machine has one 256M bank and --cmdline "cma=16M" (a 16 MiB
CMA area named "reserved"). With --config, the file describes the machine and
--mem/--cmdline override it (--mem only for a single-bank machine).

Examples:
  $ pagelab sim trace.txt
  $ pagelab sim --annotate --mem 1G --cmdline "cma=64M" trace.txt
  $ pagelab sim --config machine.json --annotate trace.txt

Exit status: 0 when the trace ran (failing statements do not stop it), 2 for bad
input (flags, files, config, a line that does not parse), 70 for a pagelab bug.`;

function memFlag(text: string | undefined): Result<number | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  const parsed = parseSize(text);
  return parsed.ok ? parsed : err('EINVAL', `--mem: ${parsed.detail}`);
}

/** The machine config the flags describe: the default machine, or the --config file with flags on top. */
function machineConfig(options: SimOptions, io: CliIo): Result<MachineConfig> {
  const memBytes = memFlag(options.mem);
  if (!memBytes.ok) return memBytes;
  if (options.config === undefined) {
    return defaultMachineConfig({
      memBytes: memBytes.value ?? DEFAULT_SIM_MEM_BYTES,
      cmdline: options.cmdline ?? DEFAULT_SIM_CMDLINE,
    });
  }
  const text = io.readTextFile(options.config);
  if (!text.ok) return text;
  const raw = parseJsonText(text.value, options.config);
  if (!raw.ok) return raw;
  const config = parseMachineConfig(raw.value, options.config);
  if (!config.ok) return config;
  return mergeCliOverrides(config.value, {
    ...(memBytes.value !== undefined ? { memBytes: memBytes.value } : {}),
    ...(options.cmdline !== undefined ? { cmdline: options.cmdline } : {}),
  });
}

/** What described the machine, for boot errors: the --config file (the flags only override it), or the flags. */
function machineSource(options: SimOptions): string {
  return options.config ?? '--mem/--cmdline';
}

/** Runs `pagelab sim`; every bad input becomes one `pagelab: ...` line and EXIT_USAGE. */
export function runSimCommand(tracePath: string, options: SimOptions, deps: CliDeps): number {
  const { io } = deps;
  const config = machineConfig(options, io);
  if (!config.ok) return reportUsageError(io, config.detail);
  const text = io.readTextFile(tracePath);
  if (!text.ok) return reportUsageError(io, text.detail);
  const statements = parseTrace(text.value, tracePath);
  if (!statements.ok) return reportUsageError(io, statements.detail);
  const target = deps.simTargetFactory(config.value, SIM_SEED, machineSource(options));
  if (!target.ok) return reportUsageError(io, target.detail);
  const checked = checkSimStatements(statements.value, target.value.sim, tracePath);
  if (!checked.ok) return reportUsageError(io, checked.detail);
  const lines = runTrace(statements.value, target.value);
  for (const chunk of renderTranscript(lines, options.annotate === true ? 'annotated' : 'plain')) {
    if (chunk.stream === 'stdout') io.writeStdout(chunk.text);
    else io.writeStderr(chunk.text);
  }
  return EXIT_OK;
}

/** The `sim` subcommand. */
export const simCommand: CliCommand = {
  register(program: Command, deps: CliDeps, report: (status: number) => void): void {
    program
      .command('sim')
      .description('run a trace script (TRACE.md) against a simulated machine and print what Linux would')
      .argument('<TRACE>', 'the trace file')
      .option('--mem <size>', `RAM of a one-bank machine, with K/M/G suffixes (default ${formatSize(DEFAULT_SIM_MEM_BYTES)} without --config)`)
      .option('--cmdline <params>', `kernel command line, e.g. "cma=16M" (default "${DEFAULT_SIM_CMDLINE}" without --config)`)
      .option('--config <file>', 'machine description (JSON): banks, reservations, CMA areas, devices')
      .option('--annotate', 'print one line per statement: "LINE rc=STATUS" or "LINE OUTPUT"')
      .addHelpText('after', EXAMPLES)
      .action((tracePath: string, options: SimOptions) => report(runSimCommand(tracePath, options, deps)));
  },
};
