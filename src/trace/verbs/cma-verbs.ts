// `sim` verbs for CMA: cma_alloc with alignment, cma_release, cma_alloc_bulk, device allocations with area fallback, and an area summary.
import { err, ok, type Result } from '../../base/errno.ts';
import type { PageCount, Pfn } from '../../base/units.ts';
import type { Machine } from '../../machine/machine.ts';
import { HandleTable } from '../handles.ts';
import type { SimVerbRegistry } from '../sim-verbs.ts';
import { expectPositionals, handleOption, parseIntArg, splitArgs } from '../verb-args.ts';

/** Largest page count a verb accepts (16 GiB of 4 KiB pages). */
const MAX_PAGES = 1 << 22;
/** Largest alignment or chunk order a verb accepts. */
const MAX_ORDER_ARG = 30;

/** CMA pages a trace holds: one range from cma-alloc/device-alloc, or the chunks of a cma-bulk. */
interface CmaHandle {
  readonly area: string;
  readonly ranges: readonly { readonly pfn: Pfn; readonly pageCount: PageCount }[];
}

/** Removes the keyword `word` from `positional`; true when it was there. */
function takeKeyword(positional: string[], word: string): boolean {
  const at = positional.indexOf(word);
  if (at < 0) return false;
  positional.splice(at, 1);
  return true;
}

interface AllocArgs { target: string; pages: number; alignOrder: number; as: string | undefined }

function parseAlloc(args: readonly string[], what: string): Result<AllocArgs> {
  const split = splitArgs(args, ['as']);
  if (!split.ok) return split;
  const { positional, options } = split.value;
  const count = expectPositionals(positional, 2, 3, `${what} PAGES [ALIGN_ORDER]`);
  if (!count.ok) return count;
  const pages = parseIntArg(positional[1], 'PAGES', 0, MAX_PAGES);
  if (!pages.ok) return pages;
  const alignOrder = positional[2] === undefined ? ok(0) : parseIntArg(positional[2], 'ALIGN_ORDER', 0, MAX_ORDER_ARG);
  if (!alignOrder.ok) return alignOrder;
  const as = handleOption(options);
  if (!as.ok) return as;
  return ok({ target: positional[0] as string, pages: pages.value, alignOrder: alignOrder.value, as: as.value });
}

function keep(machine: Machine, handles: HandleTable<CmaHandle>, handle: CmaHandle, as: string | undefined): Result<string> {
  const name = handles.put(handle, as);
  if (!name.ok) for (const range of handle.ranges) machine.cma.release(handle.area, range.pfn, range.pageCount);
  return name;
}

function registerAlloc(registry: SimVerbRegistry, machine: Machine, handles: HandleTable<CmaHandle>): void {
  registry.register<AllocArgs>({
    verb: 'cma-alloc',
    usage: 'cma-alloc AREA PAGES [ALIGN_ORDER] [as=NAME]',
    summary: 'cma_alloc(AREA, PAGES, ALIGN_ORDER (default 0)); prints "ok NAME pfn=P tries=T" (T windows tried) or the last error',
    parseArgs: (args) => parseAlloc(args, 'AREA'),
    run: (a) => {
      const got = machine.cma.alloc(a.target, { pageCount: a.pages, alignOrder: a.alignOrder });
      if (!got.ok) return got;
      const name = keep(machine, handles, { area: a.target, ranges: [{ pfn: got.value, pageCount: a.pages }] }, a.as);
      if (!name.ok) return name;
      return ok(`ok ${name.value} pfn=${got.value} tries=${machine.cma.area(a.target)?.lastProbes.length ?? 0}`);
    },
  });
  registry.register<AllocArgs>({
    verb: 'device-alloc',
    usage: 'device-alloc DEVICE PAGES [ALIGN_ORDER] [as=NAME]',
    summary: 'cma_alloc for a device: its areas in order (the default area when it lists none), the next when one fails; prints "ok NAME area=A pfn=P"',
    parseArgs: (args) => parseAlloc(args, 'DEVICE'),
    run: (a) => {
      const got = machine.cma.deviceAlloc(a.target, { pageCount: a.pages, alignOrder: a.alignOrder });
      if (!got.ok) return got;
      const area = got.value.area.name;
      const name = keep(machine, handles, { area, ranges: [{ pfn: got.value.pfn, pageCount: a.pages }] }, a.as);
      if (!name.ok) return name;
      return ok(`ok ${name.value} area=${area} pfn=${got.value.pfn}`);
    },
  });
}

interface BulkArgs { area: string; order: number; nrRequests: number; alignOrder: number; fast: boolean; as: string | undefined }

function parseBulk(args: readonly string[]): Result<BulkArgs> {
  const split = splitArgs(args, ['as']);
  if (!split.ok) return split;
  const positional = [...split.value.positional];
  const fast = takeKeyword(positional, 'fast');
  const count = expectPositionals(positional, 3, 4, 'AREA ORDER NR [ALIGN_ORDER] [fast]');
  if (!count.ok) return count;
  const order = parseIntArg(positional[1], 'ORDER', 0, MAX_ORDER_ARG);
  if (!order.ok) return order;
  const nrRequests = parseIntArg(positional[2], 'NR', 0, MAX_PAGES);
  if (!nrRequests.ok) return nrRequests;
  if (nrRequests.value * 2 ** order.value > MAX_PAGES) return err('EINVAL', `NR × 2^ORDER exceeds ${MAX_PAGES} pages`);
  const alignOrder = positional[3] === undefined ? ok(order.value) : parseIntArg(positional[3], 'ALIGN_ORDER', 0, MAX_ORDER_ARG);
  if (!alignOrder.ok) return alignOrder;
  const as = handleOption(split.value.options);
  if (!as.ok) return as;
  return ok({ area: positional[0] as string, order: order.value, nrRequests: nrRequests.value, alignOrder: alignOrder.value, fast, as: as.value });
}

function registerBulk(registry: SimVerbRegistry, machine: Machine, handles: HandleTable<CmaHandle>): void {
  registry.register<BulkArgs>({
    verb: 'cma-bulk',
    usage: 'cma-bulk AREA ORDER NR [ALIGN_ORDER] [fast] [as=NAME]',
    summary: 'cma_alloc_bulk (Nov 2020 proposal): NR chunks of 2^ORDER pages, aligned to ALIGN_ORDER (default ORDER), skipping busy chunks; prints "ok NAME nr_allocated=N", "partial NAME nr_allocated=R ret=ERRNO" (release NAME either way), or the error when nothing was allocated',
    parseArgs: parseBulk,
    run: (a) => {
      const result = machine.cma.allocBulk(a.area, { order: a.order, nrRequests: a.nrRequests, alignOrder: a.alignOrder, mode: a.fast ? 'fast' : 'normal' });
      if (result.nrAllocated === 0 && result.errno !== undefined) return err(result.errno, `cma_alloc_bulk(${a.area}): nothing allocated`);
      const ranges = result.chunks.map((pfn) => ({ pfn, pageCount: 2 ** a.order }));
      const name = keep(machine, handles, { area: a.area, ranges }, a.as);
      if (!name.ok) return name;
      if (result.errno === undefined) return ok(`ok ${name.value} nr_allocated=${result.nrAllocated}`);
      return ok(`partial ${name.value} nr_allocated=${result.nrAllocated} ret=${result.errno}`);
    },
  });
}

function registerRelease(registry: SimVerbRegistry, machine: Machine, handles: HandleTable<CmaHandle>): void {
  registry.register<string>({
    verb: 'cma-release',
    usage: 'cma-release NAME',
    summary: 'cma_release() of a cma-alloc, device-alloc or cma-bulk handle (every chunk); prints "ok"',
    parseArgs: (args) => (args.length === 1 ? ok(args[0] as string) : err('EINVAL', `expected one CMA handle, got ${args.length} arguments`)),
    run: (name) => {
      const handle = handles.get(name);
      if (!handle.ok) return handle;
      for (const range of handle.value.ranges) {
        if (!machine.cma.release(handle.value.area, range.pfn, range.pageCount)) return err('EINVAL', `cma_release(${handle.value.area}, ${range.pfn}) refused`);
      }
      handles.delete(name);
      return ok('ok');
    },
  });
  registry.register<string>({
    verb: 'cma-info',
    usage: 'cma-info AREA',
    summary: 'prints "base_pfn=B count=C order_per_bit=O used=U maxchunk=M success=S fail=F released=R" for an area',
    parseArgs: (args) => (args.length === 1 ? ok(args[0] as string) : err('EINVAL', 'expected one area name')),
    run: (name) => {
      const area = machine.cma.area(name);
      if (area === undefined) return err('ENOENT', `no CMA area named "${name}"`);
      const bitmap = area.bitmap;
      return ok(`base_pfn=${area.basePfn} count=${area.pageCount} order_per_bit=${area.orderPerBit} used=${bitmap.usedPages()} maxchunk=${bitmap.maxchunkPages()} ` +
        `success=${area.nrPagesSucceeded} fail=${area.nrPagesFailed} released=${area.nrPagesReleased}`);
    },
  });
}

/** Registers the CMA verbs on `registry`. */
export function registerCmaVerbs(registry: SimVerbRegistry, machine: Machine): void {
  const handles = new HandleTable<CmaHandle>('cma', 'CMA allocation');
  registerAlloc(registry, machine, handles);
  registerBulk(registry, machine, handles);
  registerRelease(registry, machine, handles);
}
