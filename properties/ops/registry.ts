// The op registry: merges every op module into one JSON-serializable discriminated union, and dispatches validation, generation, application and description by `op`.
import * as fc from 'fast-check';
import { err, ok, type Result } from '../../src/base/errno.ts';
import { describeJsonValue, formatJsonPath, formatZodIssues } from '../json-errors.ts';
import { BUDDY_ALLOCATING_KINDS, BUDDY_OP_SPECS } from './buddy-ops.ts';
import { CMA_ALLOCATING_KINDS, CMA_OP_SPECS } from './cma/cma-ops.ts';
import { CONTIG_ALLOCATING_KINDS, CONTIG_OP_SPECS } from './contig/contig-ops.ts';
import { HEAP_ALLOCATING_KINDS, HEAP_OP_SPECS } from './heap-ops.ts';
import type { OpContext, OpOutcome, OpSpec, OpSwarm } from './op.ts';

/** Every op module's specs, in listing order. A new layer appends `...ITS_OP_SPECS` here. */
export const OP_SPECS = [...BUDDY_OP_SPECS, ...CONTIG_OP_SPECS, ...CMA_OP_SPECS, ...HEAP_OP_SPECS] as const;

type OpOfSpec<S> = S extends OpSpec<infer O> ? O : never;

/** Any op: the union of every module's op type, discriminated by `op`. */
export type Op = OpOfSpec<(typeof OP_SPECS)[number]>;
/** An op kind name. */
export type OpKind = Op['op'];

/** Every op kind, in listing order. */
export const OP_KINDS: readonly OpKind[] = OP_SPECS.map((spec) => spec.kind);
/** Kinds that create allocations (a swarm keeps one of them on). */
export const ALLOCATING_KINDS: readonly string[] = [...BUDDY_ALLOCATING_KINDS, ...CONTIG_ALLOCATING_KINDS, ...CMA_ALLOCATING_KINDS, ...HEAP_ALLOCATING_KINDS];

const BY_KIND = new Map<string, OpSpec<Op>>(OP_SPECS.map((spec) => [spec.kind, spec as unknown as OpSpec<Op>]));

/** The spec of a kind, or undefined. */
export function opSpec(kind: string): OpSpec<Op> | undefined {
  return BY_KIND.get(kind);
}

function specOf(op: Op): OpSpec<Op> {
  const spec = BY_KIND.get(op.op);
  if (spec === undefined) throw new Error(`unknown op kind ${op.op}`);
  return spec;
}

/** Applies one op (the interpreter step). */
export function applyOp(ctx: OpContext, op: Op): OpOutcome {
  return specOf(op).apply(ctx, op);
}

/** `allocPages GFP_KERNEL order 3 cpu 1 → #4 pfn 2048`; without an outcome, just the arguments. */
export function describeOp(op: Op, outcome?: OpOutcome): string {
  const text = specOf(op).describe(op);
  if (outcome === undefined) return text;
  const status = outcome.status === 'skip' ? `skip (${outcome.detail})` : outcome.detail;
  return `${text} → ${status}`;
}

/** Validates one op's JSON; errors are one line naming the field under `path` (e.g. `ops[3].order: ...`). */
export function parseOp(raw: unknown, path: readonly PropertyKey[]): Result<Op> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return err('EINVAL', `${formatJsonPath(path)}: expected an op object, got ${describeJsonValue(raw)}`);
  }
  const kind = (raw as { op?: unknown }).op;
  const spec = typeof kind === 'string' ? BY_KIND.get(kind) : undefined;
  if (spec === undefined) {
    return err('EINVAL', `${formatJsonPath([...path, 'op'])}: unknown op ${describeJsonValue(kind)} (expected one of ${OP_KINDS.join(', ')})`);
  }
  const parsed = spec.schema.safeParse(raw, { reportInput: true });
  return parsed.success ? ok(parsed.data) : err('EINVAL', formatZodIssues(parsed.error.issues, path));
}

/** One op drawn by the swarm's weights (kinds with weight 0 never appear). */
export function opArbitrary(swarm: OpSwarm): fc.Arbitrary<Op> {
  const branches = OP_SPECS
    .filter((spec) => (swarm.weights[spec.kind] ?? 0) > 0)
    .map((spec) => ({ arbitrary: (spec as unknown as OpSpec<Op>).arbitrary(swarm), weight: swarm.weights[spec.kind] as number }));
  if (branches.length === 0) throw new Error('the swarm switched every op kind off');
  return fc.oneof(...branches);
}
