// `sim` verbs for movable user memory, pins, alloc_contig_range/alloc_contig_pages, compaction, fault injection and pageblock inspection.
import { err, ok, type Result } from '../../base/errno.ts';
import type { PageCount, Pfn } from '../../base/units.ts';
import type { ContigReport } from '../../contig/alloc-contig.ts';
import type { PinnedPages } from '../../contig/pin.ts';
import { FAULT_SITES, type FaultSite } from '../../env/faults.ts';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, parseGfp, type Gfp } from '../../mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_MOVABLE, MIGRATETYPE_NAMES } from '../../mem/migratetype.ts';
import type { OwnerId } from '../../mem/owners.ts';
import type { Machine } from '../../machine/machine.ts';
import { HandleTable } from '../handles.ts';
import type { SimVerbRegistry } from '../sim-verbs.ts';
import { expectPositionals, handleOption, intOption, parseIntArg, splitArgs } from '../verb-args.ts';

/** Largest page count a verb accepts (16 GiB of 4 KiB pages). */
const MAX_PAGES = 1 << 22;
/** Largest PFN a verb accepts (the page table's limit). */
const MAX_PFN = 2 ** 31;

/** A contiguous range a trace allocated with contig-range or contig-pages. */
interface ContigHandle {
  readonly pfn: Pfn;
  readonly pageCount: PageCount;
}

/** The handle tables of these verbs. */
interface ContigTables {
  readonly maps: HandleTable<OwnerId>;
  readonly pins: HandleTable<PinnedPages>;
  readonly ranges: HandleTable<ContigHandle>;
}

/** Removes the keyword `word` from `positional`; true when it was there. */
function takeKeyword(positional: string[], word: string): boolean {
  const at = positional.indexOf(word);
  if (at < 0) return false;
  positional.splice(at, 1);
  return true;
}

function oneName(args: readonly string[], what: string): Result<string> {
  return args.length === 1 ? ok(args[0] as string) : err('EINVAL', `expected one ${what} handle, got ${args.length} arguments`);
}

interface MapArgs { pages: number; gfp: Gfp; file: boolean; cpu: number; as: string | undefined }

function parseMap(args: readonly string[], cpuCount: number): Result<MapArgs> {
  const split = splitArgs(args, ['cpu', 'as']);
  if (!split.ok) return split;
  const { options } = split.value;
  const positional = [...split.value.positional];
  const file = takeKeyword(positional, 'file');
  const count = expectPositionals(positional, 1, 2, 'PAGES [GFP] [file]');
  if (!count.ok) return count;
  const pages = parseIntArg(positional[0], 'PAGES', 1, MAX_PAGES);
  if (!pages.ok) return pages;
  const gfp = positional[1] === undefined ? ok(GFP_HIGHUSER_MOVABLE) : parseGfp(positional[1]);
  if (!gfp.ok) return gfp;
  const cpu = intOption(options, 'cpu', 0, 0, cpuCount - 1);
  if (!cpu.ok) return cpu;
  const as = handleOption(options);
  if (!as.ok) return as;
  return ok({ pages: pages.value, gfp: gfp.value, file, cpu: cpu.value, as: as.value });
}

function registerUserMap(registry: SimVerbRegistry, machine: Machine, maps: HandleTable<OwnerId>): void {
  registry.register<MapArgs>({
    verb: 'user-map',
    usage: 'user-map PAGES [GFP] [file] [cpu=N] [as=NAME]',
    summary: 'a process faults in PAGES order-0 pages, anonymous or with file page cache (default GFP_HIGHUSER_MOVABLE), slot i = page i, via cpu N\'s LRU-add batch; prints "ok NAME pages=N in_cma=K"',
    parseArgs: (args) => parseMap(args, machine.buddy.cpuCount),
    run: (a) => {
      const owner = machine.owners.register('user', a.as ?? 'trace');
      const mapped = machine.user.mapPages(owner, a.pages, { cpu: a.cpu, gfp: a.gfp, backing: a.file ? 'file' : 'anon' });
      if (!mapped.ok) return mapped;
      const name = maps.put(owner, a.as);
      if (!name.ok) {
        machine.user.unmapPages(owner);
        return name;
      }
      return ok(`ok ${name.value} pages=${a.pages} in_cma=${machine.user.pagesInCma(owner)}`);
    },
  });
  registry.register<string>({
    verb: 'user-unmap',
    usage: 'user-unmap NAME',
    summary: 'munmap of a whole mapping: unpinned pages are freed, pinned ones live on until unpinned',
    parseArgs: (args) => oneName(args, 'mapping'),
    run: (name) => {
      const owner = maps.get(name);
      if (!owner.ok) return owner;
      machine.user.unmapPages(owner.value);
      maps.delete(name);
      return ok('ok');
    },
  });
}

function parseSlot(machine: Machine, maps: HandleTable<OwnerId>, name: string, slotText: string | undefined): Result<{ owner: OwnerId; slot: number }> {
  const owner = maps.get(name);
  if (!owner.ok) return owner;
  const pageCount = machine.user.mapping(owner.value)?.pageCount ?? 0;
  const slot = parseIntArg(slotText, 'SLOT', 0, MAX_PAGES);
  if (!slot.ok) return slot;
  if (slot.value >= pageCount) return err('EFAULT', `slot ${slot.value} outside the ${pageCount}-page mapping ${name}`);
  return ok({ owner: owner.value, slot: slot.value });
}

function registerUserAccess(registry: SimVerbRegistry, machine: Machine, maps: HandleTable<OwnerId>): void {
  registry.register<{ name: string; slot: string; tag: number }>({
    verb: 'user-write',
    usage: 'user-write NAME SLOT TAG',
    summary: 'a store through the mapping: the page of SLOT now holds content TAG (0 = zeroes)',
    parseArgs: (args) => {
      const count = expectPositionals(args, 3, 3, 'NAME SLOT TAG');
      if (!count.ok) return count;
      const tag = parseIntArg(args[2], 'TAG', 0, 0xffffffff);
      return tag.ok ? ok({ name: args[0] as string, slot: args[1] as string, tag: tag.value }) : tag;
    },
    run: (a) => {
      const where = parseSlot(machine, maps, a.name, a.slot);
      if (!where.ok) return where;
      machine.user.write(where.value.owner, where.value.slot, a.tag);
      return ok('ok');
    },
  });
  registry.register<{ name: string; slot: string }>({
    verb: 'user-read',
    usage: 'user-read NAME SLOT',
    summary: 'a load through the mapping; prints "tag=T pfn=P" (migration moves P, never T)',
    parseArgs: (args) => {
      const count = expectPositionals(args, 2, 2, 'NAME SLOT');
      return count.ok ? ok({ name: args[0] as string, slot: args[1] as string }) : count;
    },
    run: (a) => {
      const where = parseSlot(machine, maps, a.name, a.slot);
      if (!where.ok) return where;
      const { owner, slot } = where.value;
      return ok(`tag=${machine.user.read(owner, slot)} pfn=${machine.user.pfnOf(owner, slot)}`);
    },
  });
  registry.register<string>({
    verb: 'user-info',
    usage: 'user-info NAME',
    summary: 'prints "pages=N backing=anon|file in_cma=K first_pfn=P" for a mapping',
    parseArgs: (args) => oneName(args, 'mapping'),
    run: (name) => {
      const owner = maps.get(name);
      if (!owner.ok) return owner;
      const mapping = machine.user.mapping(owner.value);
      if (mapping === undefined) return err('ENOENT', `${name} maps nothing`);
      return ok(`pages=${mapping.pageCount} backing=${mapping.backing} in_cma=${machine.user.pagesInCma(owner.value)} first_pfn=${machine.user.pfnOf(owner.value, 0)}`);
    },
  });
  registry.register<number | undefined>({
    verb: 'lru-drain',
    usage: 'lru-drain [cpu=N]',
    summary: 'lru_add_drain_all() (or one CPU\'s lru_add_drain_cpu()): batched user pages reach the LRU and become movable',
    parseArgs: (args) => {
      const split = splitArgs(args, ['cpu']);
      if (!split.ok) return split;
      if (split.value.positional.length > 0) return err('EINVAL', 'lru-drain takes only cpu=N');
      return split.value.options.has('cpu') ? intOption(split.value.options, 'cpu', 0, 0, machine.buddy.cpuCount - 1) : ok(undefined);
    },
    run: (cpu) => {
      if (cpu === undefined) machine.user.lruAddDrainAll();
      else machine.user.lruAddDrain(cpu);
      return ok(`ok pending=${machine.user.lruPendingPages()}`);
    },
  });
}

interface PinArgs { name: string; slot: string; count: number; longterm: boolean; as: string | undefined }

function parsePin(args: readonly string[]): Result<PinArgs> {
  const split = splitArgs(args, ['as']);
  if (!split.ok) return split;
  const positional = [...split.value.positional];
  const longterm = takeKeyword(positional, 'longterm');
  const count = expectPositionals(positional, 2, 3, 'NAME SLOT [COUNT] [longterm]');
  if (!count.ok) return count;
  const pages = positional[2] === undefined ? ok(1) : parseIntArg(positional[2], 'COUNT', 1, MAX_PAGES);
  if (!pages.ok) return pages;
  const as = handleOption(split.value.options);
  if (!as.ok) return as;
  return ok({ name: positional[0] as string, slot: positional[1] as string, count: pages.value, longterm, as: as.value });
}

function registerPins(registry: SimVerbRegistry, machine: Machine, maps: HandleTable<OwnerId>, pins: HandleTable<PinnedPages>): void {
  registry.register<PinArgs>({
    verb: 'pin',
    usage: 'pin NAME SLOT [COUNT] [longterm] [as=PIN]',
    summary: 'GUP on COUNT (default 1) pages from SLOT: a short-term pin (extra reference), or pin_user_pages(FOLL_LONGTERM), which first migrates pages out of CMA unless pinning.longtermMigratesCma is false; prints "ok PIN pinned=N migrated=M"',
    parseArgs: parsePin,
    run: (a) => {
      const where = parseSlot(machine, maps, a.name, a.slot);
      if (!where.ok) return where;
      const pinned = machine.pins.pin(where.value.owner, where.value.slot, a.count, a.longterm ? 'longterm' : 'shortterm');
      if (!pinned.ok) return pinned;
      const name = pins.put(pinned.value, a.as);
      if (!name.ok) {
        machine.pins.unpin(pinned.value);
        return name;
      }
      return ok(`ok ${name.value} pinned=${pinned.value.pfns.length} migrated=${pinned.value.migratedPages}`);
    },
  });
  registry.register<string>({
    verb: 'unpin',
    usage: 'unpin PIN',
    summary: 'unpin_user_pages()/put_page() on every page of a pin',
    parseArgs: (args) => oneName(args, 'pin'),
    run: (name) => {
      const pinned = pins.get(name);
      if (!pinned.ok) return pinned;
      machine.pins.unpin(pinned.value);
      pins.delete(name);
      return ok('ok');
    },
  });
}

interface RangeArgs { pfnStart: number; pfnEnd: number; cma: boolean; fast: boolean; cpu: number; as: string | undefined }

function parseRange(args: readonly string[], cpuCount: number): Result<RangeArgs> {
  const split = splitArgs(args, ['cpu', 'as']);
  if (!split.ok) return split;
  const positional = [...split.value.positional];
  const fast = takeKeyword(positional, 'fast');
  const cma = takeKeyword(positional, 'cma');
  const count = expectPositionals(positional, 2, 2, 'PFN_START PFN_END [cma] [fast]');
  if (!count.ok) return count;
  const pfnStart = parseIntArg(positional[0], 'PFN_START', 0, MAX_PFN);
  if (!pfnStart.ok) return pfnStart;
  const pfnEnd = parseIntArg(positional[1], 'PFN_END', 0, MAX_PFN);
  if (!pfnEnd.ok) return pfnEnd;
  const cpu = intOption(split.value.options, 'cpu', 0, 0, cpuCount - 1);
  if (!cpu.ok) return cpu;
  const as = handleOption(split.value.options);
  if (!as.ok) return as;
  return ok({ pfnStart: pfnStart.value, pfnEnd: pfnEnd.value, cma, fast, cpu: cpu.value, as: as.value });
}

function reportText(report: ContigReport): string {
  return `migrated=${report.migratedPages} rounds=${report.migrationRounds}`;
}

function registerContigRange(registry: SimVerbRegistry, machine: Machine, ranges: HandleTable<ContigHandle>): void {
  registry.register<RangeArgs>({
    verb: 'contig-range',
    usage: 'contig-range PFN_START PFN_END [cma] [fast] [cpu=N] [as=NAME]',
    summary: 'alloc_contig_range([PFN_START, PFN_END), MIGRATE_MOVABLE or with cma MIGRATE_CMA) in normal or fast mode; prints "ok NAME pfn=P pages=N migrated=M rounds=R" (a failure past the argument checks gives the same counts in its detail)',
    parseArgs: (args) => parseRange(args, machine.buddy.cpuCount),
    run: (a) => {
      const owner = machine.owners.register('contig', a.as ?? 'trace');
      const mt = a.cma ? MIGRATE_CMA : MIGRATE_MOVABLE;
      const before = machine.contig.lastReport;
      const got = machine.contig.allocContigRange(a.pfnStart, a.pfnEnd, mt, a.fast ? 'fast' : 'normal', owner, { cpu: a.cpu });
      const report = machine.contig.lastReport;
      // Why: a rejected range (EINVAL) records no report, so the last one belongs to an earlier call.
      if (!got.ok) return err(got.errno, report === before || report === undefined ? got.detail : `${got.detail} (${reportText(report)})`);
      const pageCount = a.pfnEnd - a.pfnStart;
      const name = ranges.put({ pfn: a.pfnStart, pageCount }, a.as);
      if (!name.ok) {
        machine.contig.freeContigRange(a.pfnStart, pageCount, a.cpu);
        return name;
      }
      return ok(`ok ${name.value} pfn=${a.pfnStart} pages=${pageCount} ${reportText(got.value)}`);
    },
  });
}

interface PagesArgs { pages: number; fast: boolean; gfp: Gfp; as: string | undefined }

function parsePages(args: readonly string[]): Result<PagesArgs> {
  const split = splitArgs(args, ['as']);
  if (!split.ok) return split;
  const positional = [...split.value.positional];
  const fast = takeKeyword(positional, 'fast');
  const count = expectPositionals(positional, 1, 2, 'NR [GFP] [fast]');
  if (!count.ok) return count;
  const pages = parseIntArg(positional[0], 'NR', 1, MAX_PAGES);
  if (!pages.ok) return pages;
  const gfp = positional[1] === undefined ? ok(GFP_KERNEL) : parseGfp(positional[1]);
  if (!gfp.ok) return gfp;
  const as = handleOption(split.value.options);
  if (!as.ok) return as;
  return ok({ pages: pages.value, fast, gfp: gfp.value, as: as.value });
}

function registerContigPages(registry: SimVerbRegistry, machine: Machine, ranges: HandleTable<ContigHandle>): void {
  registry.register<PagesArgs>({
    verb: 'contig-pages',
    usage: 'contig-pages NR [GFP] [fast] [as=NAME]',
    summary: 'alloc_contig_pages(NR, GFP): tries the NR-aligned candidates of each zone; prints "ok NAME pfn=P pages=NR"',
    parseArgs: parsePages,
    run: (a) => {
      const owner = machine.owners.register('contig', a.as ?? 'trace');
      const got = machine.contig.allocContigPages(a.pages, owner, { gfp: a.gfp, mode: a.fast ? 'fast' : 'normal' });
      if (!got.ok) return got;
      const name = ranges.put({ pfn: got.value, pageCount: a.pages }, a.as);
      if (!name.ok) {
        machine.contig.freeContigRange(got.value, a.pages);
        return name;
      }
      return ok(`ok ${name.value} pfn=${got.value} pages=${a.pages}`);
    },
  });
  registry.register<string>({
    verb: 'contig-free',
    usage: 'contig-free NAME',
    summary: 'free_contig_range() of a contig-range/contig-pages allocation; prints "ok in_use=N" (pages someone else still referenced)',
    parseArgs: (args) => oneName(args, 'contig'),
    run: (name) => {
      const range = ranges.get(name);
      if (!range.ok) return range;
      const inUse = machine.contig.freeContigRange(range.value.pfn, range.value.pageCount);
      ranges.delete(name);
      return ok(`ok in_use=${inUse}`);
    },
  });
}

function registerMaintenance(registry: SimVerbRegistry, machine: Machine): void {
  registry.register<{ order: number; gfp: Gfp }>({
    verb: 'compact',
    usage: 'compact [ORDER] [GFP]',
    summary: 'compacts every zone until a free block of ORDER (default 9) exists or the scanners meet; prints "ok migrated=M rebuilt=B"',
    parseArgs: (args) => {
      const count = expectPositionals(args, 0, 2, '[ORDER] [GFP]');
      if (!count.ok) return count;
      const order = args[0] === undefined ? ok(9) : parseIntArg(args[0], 'ORDER', 0, 10);
      if (!order.ok) return order;
      const gfp = args[1] === undefined ? ok(GFP_HIGHUSER_MOVABLE) : parseGfp(args[1]);
      return gfp.ok ? ok({ order: order.value, gfp: gfp.value }) : gfp;
    },
    run: (a) => {
      const outcome = machine.compaction.compact(a.order, a.gfp);
      return ok(`ok migrated=${outcome.migratedPages} rebuilt=${outcome.blocksRebuilt}`);
    },
  });
  registry.register<number>({
    verb: 'pageblock',
    usage: 'pageblock PFN',
    summary: 'prints the migratetype of the pageblock holding PFN ("mt=Movable", "mt=CMA", "mt=Isolate", ...)',
    parseArgs: (args) => (args.length === 1 ? parseIntArg(args[0], 'PFN', 0, MAX_PFN) : err('EINVAL', 'expected one PFN')),
    run: (pfn) => {
      if (!machine.buddy.table.inRange(pfn)) return err('EINVAL', `pfn ${pfn} is outside memory`);
      return ok(`mt=${MIGRATETYPE_NAMES[machine.buddy.pageblockMigratetype(pfn)]}`);
    },
  });
  if (registry.has('fault')) return;
  registry.register<{ site: FaultSite; count: number }>({
    verb: 'fault',
    usage: 'fault SITE [COUNT]',
    summary: `arms a fault site (${FAULT_SITES.join(', ')}): its next COUNT (default 1) consults fail; prints "ok SITE armed=N"`,
    parseArgs: (args) => {
      const count = expectPositionals(args, 1, 2, 'SITE [COUNT]');
      if (!count.ok) return count;
      const site = FAULT_SITES.find((name) => name === args[0]);
      if (site === undefined) return err('EINVAL', `unknown fault site "${args[0]}" (sites: ${FAULT_SITES.join(', ')})`);
      const times = args[1] === undefined ? ok(1) : parseIntArg(args[1], 'COUNT', 0, 1 << 20);
      return times.ok ? ok({ site, count: times.value }) : times;
    },
    run: (a) => {
      machine.env.faults.arm(a.site, a.count);
      return ok(`ok ${a.site} armed=${machine.env.faults.armedCount(a.site)}`);
    },
  });
}

/** Registers the user-memory, pin, contig, compaction, fault and pageblock verbs on `registry`. */
export function registerContigVerbs(registry: SimVerbRegistry, machine: Machine): void {
  const tables: ContigTables = {
    maps: new HandleTable<OwnerId>('u', 'user mapping'),
    pins: new HandleTable<PinnedPages>('pin', 'pin'),
    ranges: new HandleTable<ContigHandle>('c', 'contig range'),
  };
  registerUserMap(registry, machine, tables.maps);
  registerUserAccess(registry, machine, tables.maps);
  registerPins(registry, machine, tables.maps, tables.pins);
  registerContigRange(registry, machine, tables.ranges);
  registerContigPages(registry, machine, tables.ranges);
  registerMaintenance(registry, machine);
}
