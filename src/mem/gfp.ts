// GFP flags with Linux 6.1's bit values, the composite masks the simulated callers use, and their text form.
import { err, ok, type Result } from '../base/errno.ts';

/** A gfp_t bitmask. */
export type Gfp = number;

export const __GFP_DMA = 0x01;
export const __GFP_HIGHMEM = 0x02;
export const __GFP_DMA32 = 0x04;
export const __GFP_MOVABLE = 0x08;
export const __GFP_RECLAIMABLE = 0x10;
export const __GFP_HIGH = 0x20;
export const __GFP_IO = 0x40;
export const __GFP_FS = 0x80;
export const __GFP_ZERO = 0x100;
export const __GFP_ATOMIC = 0x200;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_KSWAPD_RECLAIM = 0x800;
export const __GFP_WRITE = 0x1000;
export const __GFP_NOWARN = 0x2000;
export const __GFP_RETRY_MAYFAIL = 0x4000;
export const __GFP_NOFAIL = 0x8000;
export const __GFP_NORETRY = 0x10000;
export const __GFP_MEMALLOC = 0x20000;
export const __GFP_COMP = 0x40000;
export const __GFP_NOMEMALLOC = 0x80000;
export const __GFP_HARDWALL = 0x100000;
export const __GFP_THISNODE = 0x200000;

export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
export const GFP_ATOMIC = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;
export const GFP_NOIO = __GFP_RECLAIM;
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
export const GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
export const GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE;
export const GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;

/** Every name the text form accepts, composites first so formatGfp prefers them. */
const GFP_NAMES: readonly (readonly [string, Gfp])[] = [
  ['GFP_HIGHUSER_MOVABLE', GFP_HIGHUSER_MOVABLE],
  ['GFP_HIGHUSER', GFP_HIGHUSER],
  ['GFP_USER', GFP_USER],
  ['GFP_KERNEL', GFP_KERNEL],
  ['GFP_ATOMIC', GFP_ATOMIC],
  ['GFP_NOFS', GFP_NOFS],
  ['GFP_NOIO', GFP_NOIO],
  ['GFP_NOWAIT', GFP_NOWAIT],
  ['__GFP_DMA', __GFP_DMA],
  ['__GFP_HIGHMEM', __GFP_HIGHMEM],
  ['__GFP_DMA32', __GFP_DMA32],
  ['__GFP_MOVABLE', __GFP_MOVABLE],
  ['__GFP_RECLAIMABLE', __GFP_RECLAIMABLE],
  ['__GFP_HIGH', __GFP_HIGH],
  ['__GFP_IO', __GFP_IO],
  ['__GFP_FS', __GFP_FS],
  ['__GFP_ZERO', __GFP_ZERO],
  ['__GFP_ATOMIC', __GFP_ATOMIC],
  ['__GFP_DIRECT_RECLAIM', __GFP_DIRECT_RECLAIM],
  ['__GFP_KSWAPD_RECLAIM', __GFP_KSWAPD_RECLAIM],
  ['__GFP_RECLAIM', __GFP_RECLAIM],
  ['__GFP_WRITE', __GFP_WRITE],
  ['__GFP_NOWARN', __GFP_NOWARN],
  ['__GFP_RETRY_MAYFAIL', __GFP_RETRY_MAYFAIL],
  ['__GFP_NOFAIL', __GFP_NOFAIL],
  ['__GFP_NORETRY', __GFP_NORETRY],
  ['__GFP_MEMALLOC', __GFP_MEMALLOC],
  ['__GFP_COMP', __GFP_COMP],
  ['__GFP_NOMEMALLOC', __GFP_NOMEMALLOC],
  ['__GFP_HARDWALL', __GFP_HARDWALL],
  ['__GFP_THISNODE', __GFP_THISNODE],
];

/** The largest gfp_t (unsigned int). */
const GFP_T_MAX = 0xffff_ffff;

/**
 * Parses "GFP_KERNEL|__GFP_ZERO" (terms may also be separated by commas, which needs no quoting in a
 * trace line); a "~__GFP_RECLAIM" term clears bits; a bare number is taken as a mask.
 * Unknown names are an EINVAL naming the term.
 */
export function parseGfp(text: string): Result<Gfp> {
  let gfp = 0;
  for (const rawTerm of text.split(/[|,]/)) {
    const term = rawTerm.trim();
    const clear = term.startsWith('~');
    const name = clear ? term.slice(1) : term;
    const value = /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(name) ? Number(name) : GFP_NAMES.find(([n]) => n === name)?.[1];
    if (value === undefined) return err('EINVAL', `unknown gfp flag "${term}" in "${text}"`);
    // Why: gfp_t is 32 bits; JS bit operators would drop higher bits silently (and turn bit 31 negative).
    if (value > GFP_T_MAX) return err('EINVAL', `gfp mask "${term}" in "${text}" does not fit the 32-bit gfp_t`);
    gfp = (clear ? gfp & ~value : gfp | value) >>> 0;
  }
  return ok(gfp);
}

/** The shortest readable form: the largest composite contained in `gfp`, then single flags. */
export function formatGfp(gfp: Gfp): string {
  const parts: string[] = [];
  let rest = gfp;
  for (const [name, value] of GFP_NAMES) {
    // Why no __GFP_RECLAIM guard: GFP_NOIO (same value) comes first, then the two single reclaim bits, so it never matches.
    if (value !== 0 && ((rest & value) >>> 0) === value) {
      parts.push(name);
      rest = (rest & ~value) >>> 0;
    }
  }
  if (rest !== 0) parts.push(`0x${rest.toString(16)}`);
  return parts.length === 0 ? '0' : parts.join('|');
}
