// The op module contract: every op kind is JSON data with a zod schema, a fast-check generator, one interpreter step (real machine + model + its own checks) and a readable form.
import type * as fc from 'fast-check';
import type { z } from 'zod';
import type { Errno } from '../../src/base/errno.ts';
import type { OwnerId } from '../../src/mem/owners.ts';
import type { HarnessMachine } from '../harness-machine.ts';
import type { InvariantFailure } from '../invariants/failure.ts';
import type { LayoutFacts } from '../model/layout-facts.ts';
import type { ShadowModel } from '../model/shadow-model.ts';

/** The shape every op shares: `op` names its kind (`{ "op": "freePages", "target": 17 }`). */
export interface OpBase {
  readonly op: string;
}

/** What an op module may see of the swarm when generating: today only the per-kind weights. */
export interface OpSwarm {
  /** Relative weight of each op kind in this run; 0 means switched off. */
  readonly weights: Readonly<Record<string, number>>;
}

/** Everything one interpreter step works on. Built by runSequence, shared by every op of a run. */
export interface OpContext {
  readonly machine: HarnessMachine;
  readonly model: ShadowModel;
  readonly facts: LayoutFacts;
  /** False in the unchecked (benchmark baseline) mode: ops skip their own invariant checks. */
  readonly checking: boolean;
  /** Invariant evaluations performed so far (summaries report it). */
  checks: number;
  /** An owner registered for an allocation that then failed, reused by the next one (owners are never freed). */
  spareOwner: OwnerId;
}

/** How an op went. `failure` is the first invariant the op's own checks found broken. */
export type OpOutcome =
  | { readonly status: 'ok'; readonly detail: string; readonly failure?: InvariantFailure }
  | { readonly status: 'errno'; readonly errno: Errno; readonly detail: string; readonly failure?: InvariantFailure }
  | { readonly status: 'skip'; readonly detail: string };

/**
 * The layer an op kind drives; `pagelab fuzz --profile` selects kinds by group (buddy: buddy; cma:
 * buddy, contig, cma; heaps: buddy, heaps; all: every group).
 */
export type OpGroup = 'buddy' | 'contig' | 'cma' | 'heaps';

/** One op kind. */
export interface OpSpec<O extends OpBase> {
  /** The `op` value. */
  readonly kind: O['op'];
  /** The layer it drives (default 'buddy'): contig ops (alloc_contig_range, pins, user memory) say 'contig', CMA ops 'cma', heap ops 'heaps'. */
  readonly group?: OpGroup;
  /** One line for listings (`pagelab fuzz` summary, corpus README). */
  readonly summary: string;
  /** Largest swarm weight the kind may draw (default 100); fault-arming kinds stay rare so runs still allocate. */
  readonly weightMax?: number;
  /** Validates the JSON form (corpus files); errors carry the field path. */
  readonly schema: z.ZodType<O>;
  /** Generates the op's data; targets are symbolic indices, resolved when the op runs. */
  arbitrary(swarm: OpSwarm): fc.Arbitrary<O>;
  /** Applies the op to the real machine and the model, checking what only this op can check (O(pages touched)). */
  apply(ctx: OpContext, op: O): OpOutcome;
  /** The op's arguments in readable form, e.g. `allocPages GFP_KERNEL order 3 cpu 1`. */
  describe(op: O): string;
}

/** An ok outcome. */
export function okOutcome(detail: string, failure?: InvariantFailure): OpOutcome {
  return failure === undefined ? { status: 'ok', detail } : { status: 'ok', detail, failure };
}

/** A skipped op: its symbolic target had nothing live to act on. */
export function skipOutcome(detail: string): OpOutcome {
  return { status: 'skip', detail };
}

/** A failed op (the machine returned an errno). */
export function errnoOutcome(errno: Errno, detail: string, failure?: InvariantFailure): OpOutcome {
  return failure === undefined ? { status: 'errno', errno, detail } : { status: 'errno', errno, detail, failure };
}

/** An owner for the next allocation: the spare one left by a failed allocation, or a fresh one. */
export function takeOwner(ctx: OpContext): OwnerId {
  if (ctx.spareOwner !== 0) {
    const owner = ctx.spareOwner;
    ctx.spareOwner = 0;
    return owner;
  }
  return ctx.machine.owners.register('test', 'harness');
}
