// The shape of a pagelab subcommand: one object per command that registers itself on the commander program, and the dependencies main() hands it.
import type { Command } from 'commander';
import type { TraceTargetFactory } from '../../trace/target-factory.ts';
import type { CliIo } from '../io.ts';

/** What commands receive from main(): the process glue and the pluggable pieces from wiring.ts. */
export interface CliDeps {
  readonly io: CliIo;
  /** Builds the target `sim` runs traces against. */
  readonly simTargetFactory: TraceTargetFactory;
}

/** A subcommand (`sim`, later `fuzz`, `replay`, `corpus`, `mutants`). */
export interface CliCommand {
  /**
   * Adds the subcommand with its options, arguments and --help examples to `program`; its action
   * must call `report` with the exit status (EXIT_OK, EXIT_USAGE, ...) and return bad input as a
   * status, never by throwing.
   */
  register(program: Command, deps: CliDeps, report: (status: number) => void): void;
}
