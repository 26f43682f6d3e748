// The gfp masks generated ops use (JSON text such as "GFP_KERNEL|__GFP_ZERO"), their generator, and a parse cache for the interpreter's hot path.
import * as fc from 'fast-check';
import { z } from 'zod';
import {
  __GFP_COMP, __GFP_NORETRY, __GFP_ZERO, formatGfp, GFP_ATOMIC, GFP_HIGHUSER, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT, parseGfp, type Gfp,
} from '../../src/mem/gfp.ts';

/** Base masks, simplest first (fast-check shrinks towards the first). */
export const BASE_GFPS: readonly Gfp[] = [GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_ATOMIC, GFP_NOWAIT, GFP_HIGHUSER];

/** A gfp text: a base mask, sometimes with __GFP_ZERO, __GFP_COMP and __GFP_NORETRY (each shrinks to "without"). */
export function gfpArbitrary(): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...BASE_GFPS), fc.boolean(), fc.boolean(), fc.boolean()).map(([base, zero, comp, noretry]) =>
    formatGfp(base | (zero ? __GFP_ZERO : 0) | (comp ? __GFP_COMP : 0) | (noretry ? __GFP_NORETRY : 0)));
}

/** A gfp text field: anything parseGfp accepts. */
export const gfpField = z.string().refine((text) => parseGfp(text).ok, { error: 'expected gfp flags such as "GFP_KERNEL|__GFP_ZERO"' });

const parsed = new Map<string, Gfp>();

/** parseGfp for text the schema or the generator produced (cached: the same few texts recur thousands of times). */
export function gfpOf(text: string): Gfp {
  let gfp = parsed.get(text);
  if (gfp === undefined) {
    const result = parseGfp(text);
    if (!result.ok) throw new Error(`invalid gfp text reached the interpreter: ${result.detail}`);
    gfp = result.value;
    parsed.set(text, gfp);
  }
  return gfp;
}
