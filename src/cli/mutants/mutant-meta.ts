// The metadata of one seeded bug (mutants/ID-SLUG/meta.json): its zod schema and the parser whose errors name the file and the field, or the JSON line and column.
import { z } from 'zod';
import { err, ok, type Result } from '../../base/errno.ts';
import { PROFILE_NAMES, type ProfileName } from '../../../properties/campaign-profile.ts';
import { INVARIANTS, type InvariantName } from '../../../properties/invariants/failure.ts';
import { formatZodIssues, parseJsonWithPosition } from '../../../properties/json-errors.ts';

/** A seeded bug's id: M + the kernel-reference §8 number (+ a letter for variants), or P + a number for pagelab's own. */
export const MUTANT_ID_PATTERN = /^(M\d{2}[a-z]?|P\d{2})$/;

/** The areas a seeded bug can sit in (the src/ layers it patches, heaps and reclaim together). */
export const MUTANT_AREAS = ['buddy', 'contig', 'cma', 'heaps', 'reclaim'] as const;

/** Where a seeded bug comes from. */
export const SOURCE_KINDS = ['commit', 'message-id', 'kernel-reference', 'pagelab-own'] as const;

/** What an invariant name in `expected` may also be: the outcomes the campaign reports without an invariant. */
export const NON_INVARIANT_OUTCOMES = ['hang', 'crash'] as const;

/** An expected outcome: an invariant name, or hang/crash. */
export type ExpectedOutcome = InvariantName | (typeof NON_INVARIANT_OUTCOMES)[number];

/** meta.json of one seeded bug. */
export interface MutantMeta {
  readonly id: string;
  /** One line: what is wrong. */
  readonly title: string;
  /**
   * Where it comes from: a kernel commit id, the Message-Id of a patch or thread, a kernel-reference
   * section (a fix or behaviour the reference describes without an id), or pagelab-own; `note` says which.
   */
  readonly source: { readonly kind: (typeof SOURCE_KINDS)[number]; readonly ref: string; readonly note: string };
  /** The kernel-reference §8 entry it instantiates (M1..M32), when there is one. */
  readonly kernelReference?: string;
  readonly area: (typeof MUTANT_AREAS)[number];
  /** The fuzz profile whose op kinds reach the bug. */
  readonly profile: ProfileName;
  /** The outcomes that should catch it, most specific first. */
  readonly expected: readonly ExpectedOutcome[];
  /** Two or three sentences: the faulty behaviour and its consequence. */
  readonly description: string;
  /** Seconds of campaign within which the bug must be found (CI); default DEFAULT_BUDGET_SECONDS. */
  readonly budgetSeconds?: number;
}

/** A bug's campaign budget when its meta names none. */
export const DEFAULT_BUDGET_SECONDS = 30;
/** The largest budget a meta may ask for. */
export const MAX_BUDGET_SECONDS = 600;

const outcomeNames: [string, ...string[]] = [...NON_INVARIANT_OUTCOMES, ...Object.keys(INVARIANTS)];

const metaSchema = z.strictObject({
  id: z.string().regex(MUTANT_ID_PATTERN, { error: 'must look like M05, M09a or P01' }),
  title: z.string().min(10).max(200),
  source: z.strictObject({ kind: z.enum(SOURCE_KINDS), ref: z.string().min(1), note: z.string().min(1) }),
  kernelReference: z.string().regex(/^M([1-9]|[12]\d|3[0-2])$/, { error: 'must be one of M1..M32 (kernel-reference §8)' }).optional(),
  area: z.enum(MUTANT_AREAS),
  profile: z.enum(PROFILE_NAMES as [ProfileName, ...ProfileName[]]),
  expected: z.array(z.enum(outcomeNames, { error: 'must be an invariant name from properties/invariants/failure.ts, hang or crash' })).min(1),
  description: z.string().min(20),
  budgetSeconds: z.number().positive().max(MAX_BUDGET_SECONDS).optional(),
});

/** Validates the text of a meta.json; errors are one line: `SOURCE: FIELD: problem` or `SOURCE: invalid JSON at line L column C`. */
export function parseMutantMeta(text: string, source: string): Result<MutantMeta> {
  const json = parseJsonWithPosition(text);
  if (!json.ok) return err('EINVAL', `${source}: ${json.message}`);
  const parsed = metaSchema.safeParse(json.value, { reportInput: true });
  if (!parsed.success) return err('EINVAL', `${source}: ${formatZodIssues(parsed.error.issues)}`);
  return ok(parsed.data as MutantMeta);
}
