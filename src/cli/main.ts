// The pagelab command line: builds the commander program from wiring.ts, maps every outcome to an exit status (0 ran, 2 bad input, 70 pagelab bug), and never shows a stack trace for bad input.
import { Command, CommanderError } from 'commander';
import type { CliDeps } from './commands/command.ts';
import { EXIT_OK, EXIT_USAGE, processIo, reportInternalError, reportUsageError, type CliIo } from './io.ts';
import { CLI_COMMANDS, SIM_TARGET_FACTORY } from './wiring.ts';

const PROGRAM_HELP = `
Examples:
  $ pagelab sim trace.txt
  $ pagelab sim --annotate --config machine.json trace.txt
  $ pagelab sim --help

Exit status: 0 on a completed run, 2 for bad input, 70 for a pagelab bug.`;

function buildProgram(deps: CliDeps, report: (status: number) => void): Command {
  const program = new Command('pagelab')
    .description('deterministic simulator of the Linux physical-memory allocators (buddy, CMA, dma-buf heaps)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.io.writeStdout(text),
      writeErr: (text) => deps.io.writeStderr(text),
      outputError: () => undefined,
    })
    .addHelpText('after', PROGRAM_HELP);
  for (const command of CLI_COMMANDS) command.register(program, deps, report);
  return program;
}

/** Turns a commander exit (help, version, a usage error) into an exit status and at most one line. */
function commanderStatus(error: CommanderError, argv: readonly string[], program: Command, io: CliIo): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
  if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  const message = error.message.replace(/^error: /, '');
  const sub = program.commands.find((command) => command.name() === argv[0]);
  return reportUsageError(io, `${message} (see pagelab ${sub === undefined ? '' : `${sub.name()} `}--help)`);
}

async function dispatch(argv: readonly string[], deps: CliDeps): Promise<number> {
  let status = EXIT_OK;
  const program = buildProgram(deps, (reported) => {
    status = reported;
  });
  if (argv.length === 0) {
    deps.io.writeStderr(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return commanderStatus(error, argv, program, deps.io);
    throw error;
  }
  return status;
}

/**
 * Runs the pagelab command line on `argv` (without node and script) and returns the exit status:
 * 0 for a completed run or --help, 2 for bad input (one `pagelab: ...` line on stderr), 70 for an
 * internal error. `io` and `deps` default to the real process and wiring.ts (tests pass fakes).
 */
export async function main(argv: string[], io: CliIo = processIo(), deps: Partial<CliDeps> = {}): Promise<number> {
  const fullDeps: CliDeps = { io, simTargetFactory: deps.simTargetFactory ?? SIM_TARGET_FACTORY };
  try {
    return await dispatch(argv, fullDeps);
  } catch (error) {
    return reportInternalError(io, error);
  }
}
