// The corpus of minimized failures: one JSON file per failure, stored by value and validated on load; deterministic names from a failure signature; atomic writes; replay.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { err, isErrno, ok, strerror, type Result } from '../src/base/errno.ts';
import { parseMachineConfig } from '../src/machine/config.ts';
import type { MachineFactory } from './harness-machine.ts';
import { isInvariantName, type InvariantName } from './invariants/failure.ts';
import { formatZodIssues, parseJsonWithPosition } from './json-errors.ts';
import { parseOp, type Op } from './ops/registry.ts';
import type { RunFailure, RunResult } from './run-sequence.ts';
import { runScenario, type Scenario } from './scenario.ts';
import { failureSignature } from './signature.ts';

export { failureSignature };

/** The format tag every entry carries; a new incompatible layout gets a new tag. */
export const CORPUS_FORMAT = 'pagelab-corpus/1';

/** The failure an entry records. */
export interface CorpusFailure {
  readonly invariant: InvariantName;
  /** The op after which it broke; ops.length for the end-state oracle. */
  readonly opIndex: number;
  readonly message: string;
}

/** One corpus entry: a minimized failing scenario, by value. */
export interface CorpusEntry {
  readonly format: typeof CORPUS_FORMAT;
  /** `INVARIANT-SIGNATURE`, also the file name without `.json`. */
  readonly id: string;
  readonly title: string;
  /** The machine config in the JSON form `--config` accepts. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The machine's Rng seed. */
  readonly seed: string;
  readonly auditEvery: number;
  /** The swarm weights of the run that found it (informational). */
  readonly weights?: Readonly<Record<string, number>>;
  readonly ops: readonly Op[];
  readonly failure: CorpusFailure;
  /** package.json version of the pagelab that found it. */
  readonly pagelabVersion: string;
  /** Who found it, e.g. `pagelab fuzz --seed 42`. */
  readonly foundBy: string;
  /** When, as given by the caller (the harness has no clock of its own). */
  readonly createdAt?: string;
}

const entrySchema = z.strictObject({
  format: z.literal(CORPUS_FORMAT, { error: `must be "${CORPUS_FORMAT}"` }),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be lower-case letters, digits and dashes' }),
  title: z.string().min(1),
  config: z.record(z.string(), z.unknown()),
  seed: z.string().min(1),
  auditEvery: z.number().int().min(0),
  weights: z.record(z.string(), z.number().min(0)).optional(),
  ops: z.array(z.unknown()),
  failure: z.strictObject({
    invariant: z.string().refine(isInvariantName, { error: 'unknown invariant name' }),
    opIndex: z.number().int().min(-1),
    message: z.string(),
  }),
  pagelabVersion: z.string().min(1),
  foundBy: z.string().min(1),
  createdAt: z.string().optional(),
});

/** `zeroed-pages: allocPages, freePages, allocPages (3 ops)`. */
function titleOf(invariant: string, ops: readonly Op[]): string {
  const kinds = ops.map((op) => op.op);
  const shown = kinds.length <= 6 ? kinds.join(', ') : `${kinds.slice(0, 6).join(', ')}, ...`;
  return `${invariant}: ${shown} (${ops.length} op${ops.length === 1 ? '' : 's'})`;
}

/** Builds the entry for a minimized failing scenario. */
export function corpusEntryFor(args: {
  readonly scenario: Scenario;
  readonly failure: RunFailure;
  readonly pagelabVersion: string;
  readonly foundBy: string;
  readonly createdAt?: string;
}): CorpusEntry {
  const { scenario, failure } = args;
  return {
    format: CORPUS_FORMAT,
    id: `${failure.invariant}-${failureSignature(failure.invariant, scenario.ops)}`,
    title: titleOf(failure.invariant, scenario.ops),
    config: scenario.config,
    seed: scenario.seed,
    auditEvery: scenario.auditEvery,
    weights: scenario.weights,
    ops: scenario.ops,
    failure: { invariant: failure.invariant, opIndex: failure.opIndex, message: failure.message },
    pagelabVersion: args.pagelabVersion,
    foundBy: args.foundBy,
    ...(args.createdAt === undefined ? {} : { createdAt: args.createdAt }),
  };
}

function parseOps(raw: readonly unknown[], source: string): Result<Op[]> {
  const ops: Op[] = [];
  for (const [index, item] of raw.entries()) {
    const op = parseOp(item, ['ops', index]);
    if (!op.ok) return err('EINVAL', `${source}: ${op.detail}`);
    ops.push(op.value);
  }
  return ok(ops);
}

/** Validates an entry's text; every error is one line naming `source` and the field (or the JSON line and column). */
export function parseCorpusEntry(text: string, source: string): Result<CorpusEntry> {
  const json = parseJsonWithPosition(text);
  if (!json.ok) return err('EINVAL', `${source}: ${json.message}`);
  const parsed = entrySchema.safeParse(json.value, { reportInput: true });
  if (!parsed.success) return err('EINVAL', `${source}: ${formatZodIssues(parsed.error.issues)}`);
  const config = parseMachineConfig(parsed.data.config, `${source}: config`);
  if (!config.ok) return err('EINVAL', config.detail);
  const ops = parseOps(parsed.data.ops, source);
  if (!ops.ok) return ops;
  const { failure } = parsed.data;
  if (failure.opIndex > ops.value.length) return err('EINVAL', `${source}: failure.opIndex: ${failure.opIndex} is beyond the ${ops.value.length} ops`);
  const { weights, createdAt, ...rest } = parsed.data;
  return ok({
    ...rest,
    format: CORPUS_FORMAT,
    ops: ops.value,
    failure: { ...failure, invariant: failure.invariant as InvariantName },
    ...(weights === undefined ? {} : { weights }),
    ...(createdAt === undefined ? {} : { createdAt }),
  });
}

/** Reads and validates one corpus file (one-line errors naming the file). */
export function loadCorpusEntry(path: string): Result<CorpusEntry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === 'string' && isErrno(code) ? strerror(code) : typeof code === 'string' ? code : String(error);
    return err('ENOENT', `cannot read ${path}: ${reason}`);
  }
  return parseCorpusEntry(text, path);
}

/**
 * The entry files of a corpus directory, sorted. Only `*.json` entries and `README.md` may live
 * there; anything else is reported (a stray file is usually a half-written or misnamed entry).
 */
export function listCorpusFiles(dir: string): Result<string[]> {
  if (!existsSync(dir)) return ok([]);
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'README.md') continue;
    if (!name.endsWith('.json')) return err('EINVAL', `${join(dir, name)}: not a corpus entry (expected NAME.json)`);
    files.push(join(dir, name));
  }
  return ok(files);
}

/**
 * Writes `entry` as `DIR/ID.json` atomically (a temporary file renamed into place). An existing
 * file with that name is left alone (same signature: the failure is already known) and `written`
 * is false.
 */
export function writeCorpusEntry(dir: string, entry: CorpusEntry): { readonly path: string; readonly written: boolean } {
  const path = join(dir, `${entry.id}.json`);
  if (existsSync(path)) return { path, written: false };
  mkdirSync(dir, { recursive: true });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(entry, null, 2)}\n`);
  renameSync(temporary, path);
  return { path, written: true };
}

/** The scenario an entry stores. */
export function scenarioOf(entry: CorpusEntry): Scenario {
  return { config: entry.config, seed: entry.seed, auditEvery: entry.auditEvery, weights: entry.weights ?? {}, ops: entry.ops };
}

/** Replays an entry through the one interpreter; it still reproduces when the same invariant breaks. */
export function replayCorpusEntry(entry: CorpusEntry, options: { record?: boolean; machineFactory?: MachineFactory } = {}): { readonly result: RunResult; readonly reproduces: boolean } {
  const result = runScenario(scenarioOf(entry), options);
  return { result, reproduces: result.failure !== null && result.failure.invariant === entry.failure.invariant };
}
