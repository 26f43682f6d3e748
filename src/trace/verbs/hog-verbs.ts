// `sim` verbs for the memory-hog workload: grow a hog of movable user pages (some pinned short-term or long-term), shrink it, release it, inspect it.
import { err, ok, type Result } from '../../base/errno.ts';
import type { Machine } from '../../machine/machine.ts';
import { HOG_PATTERNS, MemoryHog, type HogGrowOptions, type HogPattern } from '../../reclaim/hog.ts';
import { HandleTable } from '../handles.ts';
import type { SimVerbRegistry } from '../sim-verbs.ts';
import { expectPositionals, handleOption, intOption, parseIntArg, splitArgs } from '../verb-args.ts';

/** Largest page count a verb accepts (16 GiB of 4 KiB pages). */
const MAX_PAGES = 1 << 22;

interface GrowArgs { pages: number; pinnedPct: number; longtermPct: number; pattern: HogPattern; as: string | undefined }

function parseGrow(args: readonly string[]): Result<GrowArgs> {
  const split = splitArgs(args, ['pinned', 'longterm', 'pattern', 'as']);
  if (!split.ok) return split;
  const { positional, options } = split.value;
  const count = expectPositionals(positional, 1, 1, 'PAGES');
  if (!count.ok) return count;
  const pages = parseIntArg(positional[0], 'PAGES', 1, MAX_PAGES);
  if (!pages.ok) return pages;
  const pinnedPct = intOption(options, 'pinned', 0, 0, 100);
  if (!pinnedPct.ok) return pinnedPct;
  const longtermPct = intOption(options, 'longterm', 0, 0, 100);
  if (!longtermPct.ok) return longtermPct;
  const patternText = options.get('pattern') ?? 'random';
  const pattern = HOG_PATTERNS.find((each) => each === patternText);
  if (pattern === undefined) return err('EINVAL', `pattern=${patternText}: must be one of ${HOG_PATTERNS.join(', ')}`);
  const as = handleOption(options);
  if (!as.ok) return as;
  return ok({ pages: pages.value, pinnedPct: pinnedPct.value, longtermPct: longtermPct.value, pattern, as: as.value });
}

/** `pages=N extents=E pinned=S+L in_cma=C longterm_in_cma=K` for a hog. */
function describe(hog: MemoryHog): string {
  const shortterm = hog.pinnedPfns('shortterm').length;
  const longterm = hog.pinnedPfns('longterm').length;
  return `pages=${hog.pageCount} extents=${hog.extentCount} shortterm=${shortterm} longterm=${longterm} in_cma=${hog.pagesInCma()} longterm_in_cma=${hog.pinnedInCma('longterm')}`;
}

function registerGrow(registry: SimVerbRegistry, machine: Machine, hogs: HandleTable<MemoryHog>): void {
  registry.register<GrowArgs>({
    verb: 'hog-grow',
    usage: 'hog-grow PAGES [pinned=PCT] [longterm=PCT] [pattern=dense|interleave|random] [as=NAME]',
    summary: 'a memory hog (a new one, or the live hog NAME) faults in PAGES movable pages interleaved with transient buffers it frees again (pattern, default random), pins PCT% of them (longterm=PCT% of those FOLL_LONGTERM, the rest short-term); prints "ok NAME pages=N extents=E shortterm=S longterm=L in_cma=C longterm_in_cma=K"',
    parseArgs: parseGrow,
    run: (a) => {
      const existing = a.as === undefined ? undefined : hogs.get(a.as);
      if (existing?.ok === true) {
        const grown = existing.value.grow(a.pages, growOptions(a));
        return grown.ok ? ok(`ok ${a.as} ${describe(existing.value)}`) : grown;
      }
      const name = a.as ?? freshName(hogs);
      const hog = new MemoryHog(name, { user: machine.user, pins: machine.pins, owners: machine.owners, table: machine.buddy.table, rng: machine.env.rng.fork(`hog:${name}`) });
      const grown = hog.grow(a.pages, growOptions(a));
      if (!grown.ok) return grown;
      const kept = hogs.put(hog, name);
      if (!kept.ok) hog.release();
      return kept.ok ? ok(`ok ${name} ${describe(hog)}`) : kept;
    },
  });
}

function growOptions(a: GrowArgs): HogGrowOptions {
  return { pinnedFraction: a.pinnedPct / 100, longtermFraction: a.longtermPct / 100, pattern: a.pattern };
}

/** The first of hog1, hog2, ... that names no live hog. */
function freshName(hogs: HandleTable<MemoryHog>): string {
  let n = 1;
  while (hogs.get(`hog${n}`).ok) n++;
  return `hog${n}`;
}

function registerShrinkRelease(registry: SimVerbRegistry, hogs: HandleTable<MemoryHog>): void {
  registry.register<{ name: string; pages: number }>({
    verb: 'hog-shrink',
    usage: 'hog-shrink NAME PAGES',
    summary: 'the hog unmaps randomly chosen whole extents (unpinning them first) until at least PAGES pages went; prints "ok freed=F pages=LEFT"',
    parseArgs: (args) => {
      const count = expectPositionals(args, 2, 2, 'NAME PAGES');
      if (!count.ok) return count;
      const pages = parseIntArg(args[1], 'PAGES', 0, MAX_PAGES);
      return pages.ok ? ok({ name: args[0] as string, pages: pages.value }) : pages;
    },
    run: (a) => {
      const hog = hogs.get(a.name);
      if (!hog.ok) return hog;
      const freed = hog.value.shrink(a.pages);
      return ok(`ok freed=${freed} pages=${hog.value.pageCount}`);
    },
  });
  registry.register<string>({
    verb: 'hog-release',
    usage: 'hog-release NAME',
    summary: 'the hog exits: every pin is dropped and every extent unmapped; prints "ok freed=F"',
    parseArgs: (args) => (args.length === 1 ? ok(args[0] as string) : err('EINVAL', `expected one hog handle, got ${args.length} arguments`)),
    run: (name) => {
      const hog = hogs.get(name);
      if (!hog.ok) return hog;
      const freed = hog.value.release();
      hogs.delete(name);
      return ok(`ok freed=${freed}`);
    },
  });
  registry.register<string>({
    verb: 'hog-stat',
    usage: 'hog-stat NAME',
    summary: 'prints "pages=N extents=E shortterm=S longterm=L in_cma=C longterm_in_cma=K" for a live hog',
    parseArgs: (args) => (args.length === 1 ? ok(args[0] as string) : err('EINVAL', `expected one hog handle, got ${args.length} arguments`)),
    run: (name) => {
      const hog = hogs.get(name);
      return hog.ok ? ok(describe(hog.value)) : hog;
    },
  });
}

/** Registers the memory-hog verbs on `registry`. */
export function registerHogVerbs(registry: SimVerbRegistry, machine: Machine): void {
  const hogs = new HandleTable<MemoryHog>('hog', 'memory hog');
  registerGrow(registry, machine, hogs);
  registerShrinkRelease(registry, hogs);
}
