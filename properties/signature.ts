// Failure signatures: the name a minimized failure is filed and de-duplicated under (the invariant plus a stable digest of the op-kind sequence).
import { createHash } from 'node:crypto';

/** Digits of the digest kept in a signature (48 bits: collisions are negligible for a corpus). */
const SIGNATURE_HEX_DIGITS = 12;

/**
 * The op kinds of a sequence with runs of one kind counted once: `allocPages allocPages freePages`
 * and `allocPages freePages` are the same story, and minimization does not always reach the same
 * count of repeats from two different runs.
 */
export function collapsedKinds<O extends { readonly op: string }>(ops: readonly O[]): string[] {
  const kinds: string[] = [];
  for (const op of ops) if (kinds[kinds.length - 1] !== op.op) kinds.push(op.op);
  return kinds;
}

/**
 * The failure signature: SHA-256 of the invariant and the collapsed op-kind sequence of the
 * minimized ops, 12 hex digits. Arguments, targets, the machine and the seed do not enter it, so
 * the same bug minimized from two runs gets the same signature. Minimized op-phase failures end at
 * the failing op, so its kind is the last kind of the sequence.
 */
export function failureSignature<O extends { readonly op: string }>(invariant: string, ops: readonly O[]): string {
  const text = `${invariant}\n${collapsedKinds(ops).join(' ')}`;
  return createHash('sha256').update(text).digest('hex').slice(0, SIGNATURE_HEX_DIGITS);
}

/** The corpus id (and file name without `.json`) of a failure: `INVARIANT-SIGNATURE`. */
export function failureId<O extends { readonly op: string }>(invariant: string, ops: readonly O[]): string {
  return `${invariant}-${failureSignature(invariant, ops)}`;
}
