// `sim` verbs for the page allocator: alloc/free/get/put pages, alloc_pages_bulk, per-CPU drain, checker, counters.
import { assert } from '../../base/assert.ts';
import { err, ok, type Result } from '../../base/errno.ts';
import { type Order, type Pfn } from '../../base/units.ts';
import { checkBuddy } from '../../debug/check-buddy.ts';
import { GFP_KERNEL, parseGfp, type Gfp } from '../../mem/gfp.ts';
import { PAGE_ALLOCATED } from '../../mem/page-state.ts';
import type { Machine } from '../../machine/machine.ts';
import type { HandleTable } from '../handles.ts';
import type { SimVerbRegistry } from '../sim-verbs.ts';
import { expectPositionals, handleOption, intOption, parseIntArg, splitArgs } from '../verb-args.ts';

/** A live page allocation made by a trace. */
export interface PageHandle {
  readonly pfn: Pfn;
  readonly order: Order;
  readonly cpu: number;
  /** The allocating caller still holds its reference ("free" has not run). */
  readonly ownerRef: boolean;
  /** References taken with "get" and not yet dropped with "put". */
  readonly extraRefs: number;
}

interface AllocArgs { order: Order; gfp: Gfp; cpu: number; node: number | undefined; as: string | undefined }
interface BulkArgs { nrPages: number; gfp: Gfp; cpu: number; prefill: number[]; as: string | undefined }

function gfpArg(text: string | undefined): Result<Gfp> {
  return text === undefined ? ok(GFP_KERNEL) : parseGfp(text);
}

/** node=N: a node with memory (alloc_pages_node() on a node that is not online is a caller bug in Linux). */
function nodeOption(options: Map<string, string>, nodeIds: readonly number[]): Result<number | undefined> {
  if (!options.has('node')) return ok(undefined);
  const node = intOption(options, 'node', 0, 0, 63);
  if (!node.ok) return node;
  return nodeIds.includes(node.value) ? node : err('EINVAL', `node=${node.value}: no such node (nodes with memory: ${nodeIds.join(', ')})`);
}

function parseAlloc(args: readonly string[], cpuCount: number, nodeIds: readonly number[]): Result<AllocArgs> {
  const split = splitArgs(args, ['cpu', 'node', 'as']);
  if (!split.ok) return split;
  const { positional, options } = split.value;
  const count = expectPositionals(positional, 1, 2, 'ORDER [GFP]');
  if (!count.ok) return count;
  // Orders above MAX_PAGE_ORDER are accepted on purpose: Linux returns NULL for them (invariant 27).
  const order = parseIntArg(positional[0], 'ORDER', 0, 31);
  if (!order.ok) return order;
  const gfp = gfpArg(positional[1]);
  if (!gfp.ok) return gfp;
  const cpu = intOption(options, 'cpu', 0, 0, cpuCount - 1);
  if (!cpu.ok) return cpu;
  const node = nodeOption(options, nodeIds);
  if (!node.ok) return node;
  const as = handleOption(options);
  if (!as.ok) return as;
  return ok({ order: order.value, gfp: gfp.value, cpu: cpu.value, node: node.value, as: as.value });
}

function registerAlloc(registry: SimVerbRegistry, machine: Machine, pages: HandleTable<PageHandle>): void {
  registry.register<AllocArgs>({
    verb: 'alloc',
    usage: 'alloc ORDER [GFP] [cpu=N] [node=N] [as=NAME]',
    summary: `alloc_pages(GFP, ORDER) (default GFP_KERNEL); prints "ok NAME pfn=PFN order=ORDER" or "err ENOMEM"`,
    parseArgs: (args) => parseAlloc(args, machine.buddy.cpuCount, machine.buddy.nodeIds),
    run: (a) => {
      const owner = machine.owners.register('test', a.as ?? 'trace');
      const pfn = machine.buddy.allocPages(a.gfp, a.order, { owner, cpu: a.cpu, ...(a.node === undefined ? {} : { preferredNode: a.node }) });
      if (!pfn.ok) return pfn;
      const name = pages.put({ pfn: pfn.value, order: a.order, cpu: a.cpu, ownerRef: true, extraRefs: 0 }, a.as);
      if (!name.ok) {
        machine.buddy.freePages(pfn.value, a.order, a.cpu);
        return name;
      }
      return ok(`ok ${name.value} pfn=${pfn.value} order=${a.order}`);
    },
  });
}

/** Drops the handle when its head page went back to the allocator (refcount reached zero). */
function forgetIfFreed(machine: Machine, pages: HandleTable<PageHandle>, name: string, pfn: Pfn): void {
  if (machine.buddy.pageState(pfn) !== PAGE_ALLOCATED) pages.delete(name);
}

/** The action a reference verb performs on a live handle; returns an errno for misuse. */
type RefAction = (name: string, handle: PageHandle) => Result<void>;

function registerRefVerb(registry: SimVerbRegistry, pages: HandleTable<PageHandle>, verb: string, summary: string, action: RefAction): void {
  registry.register<string>({
    verb,
    usage: `${verb} NAME`,
    summary,
    parseArgs: (args) => (args.length === 1 ? ok(args[0] as string) : err('EINVAL', `expected one handle, got ${args.length} arguments`)),
    run: (name) => {
      const handle = pages.get(name);
      if (!handle.ok) return handle;
      const done = action(name, handle.value);
      return done.ok ? ok('ok') : done;
    },
  });
}

function registerRefVerbs(registry: SimVerbRegistry, machine: Machine, pages: HandleTable<PageHandle>): void {
  registerRefVerb(registry, pages, 'free', '__free_pages() of a trace allocation (drops the caller\'s reference; tails of a non-compound block go at once)', (name, h) => {
    // A second __free_pages() by the same caller is a double free in Linux; refuse it instead of corrupting state.
    if (!h.ownerRef) return err('EINVAL', `${name} was already freed; only "put" may drop its remaining references`);
    machine.buddy.freePages(h.pfn, h.order, h.cpu);
    pages.set(name, { ...h, ownerRef: false });
    forgetIfFreed(machine, pages, name, h.pfn);
    return ok(undefined);
  });
  registerRefVerb(registry, pages, 'get', 'get_page(): takes an extra reference on the allocation head', (name, h) => {
    machine.buddy.getPage(h.pfn);
    pages.set(name, { ...h, extraRefs: h.extraRefs + 1 });
    return ok(undefined);
  });
  registerRefVerb(registry, pages, 'put', 'put_page(): drops an extra reference taken with "get"; at zero the page is freed at its compound order', (name, h) => {
    if (h.extraRefs === 0) return err('EINVAL', `${name} holds no extra reference (use "free" for the caller's own)`);
    machine.buddy.putPage(h.pfn, h.cpu);
    pages.set(name, { ...h, extraRefs: h.extraRefs - 1 });
    forgetIfFreed(machine, pages, name, h.pfn);
    return ok(undefined);
  });
}

function parseBulk(args: readonly string[], cpuCount: number): Result<BulkArgs> {
  const split = splitArgs(args, ['cpu', 'prefill', 'as']);
  if (!split.ok) return split;
  const { positional, options } = split.value;
  const count = expectPositionals(positional, 1, 2, 'NR [GFP]');
  if (!count.ok) return count;
  const nrPages = parseIntArg(positional[0], 'NR', 0, 1 << 16);
  if (!nrPages.ok) return nrPages;
  const gfp = gfpArg(positional[1]);
  if (!gfp.ok) return gfp;
  const cpu = intOption(options, 'cpu', 0, 0, cpuCount - 1);
  if (!cpu.ok) return cpu;
  const prefill: number[] = [];
  for (const text of (options.get('prefill') ?? '').split(',').filter((t) => t !== '')) {
    const slot = parseIntArg(text, 'prefill slot', 0, nrPages.value - 1);
    if (!slot.ok) return slot;
    prefill.push(slot.value);
  }
  const as = handleOption(options);
  if (!as.ok) return as;
  return ok({ nrPages: nrPages.value, gfp: gfp.value, cpu: cpu.value, prefill, as: as.value });
}

/** The PREFIX.SLOT names `bulk as=PREFIX` gives its slots that are not pre-filled (none without as=). */
function slotNames(a: BulkArgs): string[] {
  if (a.as === undefined) return [];
  const names: string[] = [];
  for (let i = 0; i < a.nrPages; i++) if (!a.prefill.includes(i)) names.push(`${a.as}.${i}`);
  return names;
}

function registerBulk(registry: SimVerbRegistry, machine: Machine, pages: HandleTable<PageHandle>): void {
  registry.register<BulkArgs>({
    verb: 'bulk',
    usage: 'bulk NR [GFP] [prefill=I,J,...] [cpu=N] [as=PREFIX]',
    summary: 'alloc_pages_bulk() into an NR-slot array (prefill marks slots already holding a page); prints "ok n=R new=K"',
    parseArgs: (args) => parseBulk(args, machine.buddy.cpuCount),
    run: (a) => {
      const clash = slotNames(a).find((name) => pages.has(name));
      // Why: checked before allocating, so a clash allocates nothing (no page without a handle).
      if (clash !== undefined) return err('EEXIST', `page allocation handle "${clash}" is already live`);
      const owner = machine.owners.register('test', a.as ?? 'bulk');
      // A pre-filled slot holds some page the caller already owns; its value only has to be non-null.
      const slots: (Pfn | null)[] = Array.from({ length: a.nrPages }, (_, i) => (a.prefill.includes(i) ? -1 : null));
      const filled = machine.buddy.allocPagesBulk(a.gfp, a.nrPages, slots, { owner, cpu: a.cpu });
      let fresh = 0;
      for (const [i, pfn] of slots.entries()) {
        if (pfn === null || a.prefill.includes(i)) continue;
        const named = pages.put({ pfn, order: 0, cpu: a.cpu, ownerRef: true, extraRefs: 0 }, a.as === undefined ? undefined : `${a.as}.${i}`);
        assert(named.ok, () => `bulk slot ${i}: ${named.ok ? '' : named.detail}`);
        fresh++;
      }
      return ok(`ok n=${filled} new=${fresh}`);
    },
  });
}

function registerMaintenance(registry: SimVerbRegistry, machine: Machine): void {
  registry.register<number | undefined>({
    verb: 'drain',
    usage: 'drain [cpu=N]',
    summary: 'drain_all_pages() (or drain_local_pages() of one CPU): per-CPU lists back to the buddy lists',
    parseArgs: (args) => {
      const split = splitArgs(args, ['cpu']);
      if (!split.ok) return split;
      if (split.value.positional.length > 0) return err('EINVAL', 'drain takes only cpu=N');
      return split.value.options.has('cpu') ? intOption(split.value.options, 'cpu', 0, 0, machine.buddy.cpuCount - 1) : ok(undefined);
    },
    run: (cpu) => {
      if (cpu === undefined) machine.buddy.drainAllPages();
      else machine.buddy.drainLocalPages(cpu);
      return ok('ok');
    },
  });
  registry.register<number>({
    verb: 'tick',
    usage: 'tick [NS]',
    summary: 'advances virtual time (default 1 ms) and runs the background workers once',
    parseArgs: (args) => (args.length === 0 ? ok(1_000_000) : args.length === 1 ? parseIntArg(args[0], 'NS', 0, 3.6e12) : err('EINVAL', 'tick takes at most one number')),
    run: (ns) => {
      machine.tick(ns);
      return ok(`ok now=${machine.env.clock.nowNs()}`);
    },
  });
}

function registerInspection(registry: SimVerbRegistry, machine: Machine): void {
  const noArgs = (args: readonly string[]): Result<void> => (args.length === 0 ? ok(undefined) : err('EINVAL', 'takes no arguments'));
  registry.register<void>({
    verb: 'check',
    usage: 'check',
    summary: 'runs the structural checker; prints "ok" or "bad N: FIRST-VIOLATION"',
    parseArgs: noArgs,
    run: () => {
      const problems = checkBuddy(machine.buddy);
      return ok(problems.length === 0 ? 'ok' : `bad ${problems.length}: ${problems[0]}`);
    },
  });
  registry.register<void>({
    verb: 'hash',
    usage: 'hash',
    summary: 'prints the machine state hash (same config, seed and statements give the same hash)',
    parseArgs: noArgs,
    run: () => ok(machine.stateHash()),
  });
  registry.register<void>({
    verb: 'stat',
    usage: 'stat',
    summary: 'prints free, cma_free, isolated_free, pcp and managed page counts',
    parseArgs: noArgs,
    run: () => {
      const b = machine.buddy;
      return ok(`free=${b.nrFreePages()} cma_free=${b.nrFreeCmaPages()} isolated_free=${b.nrIsolatedFreePages()} pcp=${b.pcpPages()} managed=${b.managedPages()}`);
    },
  });
  registry.register<void>({
    verb: 'events',
    usage: 'events',
    summary: 'prints every non-zero vm event counter as NAME=COUNT',
    parseArgs: noArgs,
    run: () => ok(Object.entries(machine.events.snapshot()).filter(([, n]) => n !== 0).map(([k, n]) => `${k}=${n}`).join(' ')),
  });
}

/** Registers every page-allocator verb on `registry`, allocations tracked in `pages`. */
export function registerBuddyVerbs(registry: SimVerbRegistry, machine: Machine, pages: HandleTable<PageHandle>): void {
  registerAlloc(registry, machine, pages);
  registerRefVerbs(registry, machine, pages);
  registerBulk(registry, machine, pages);
  registerMaintenance(registry, machine);
  registerInspection(registry, machine);
}
