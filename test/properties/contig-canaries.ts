// Deliberately broken contig/CMA layers for the canary test (test-only subclasses, never a bug flag in src/): the 2017 aligned-offset formula (M2), bits kept after a failed cma_alloc (M8), a pageblock left isolated on an error path (M10), long-term pins left in CMA (M13).
import { err, ok, type Errno, type Result } from '../../src/base/errno.ts';
import { PAGEBLOCK_NR_PAGES, type Pfn } from '../../src/base/units.ts';
import { cmaBitmapAlignedMask, cmaBitmapPagesToBits } from '../../src/cma/cma-bitmap.ts';
import { type CmaAllocRequest, type CmaArea, type CmaDeps } from '../../src/cma/cma-area.ts';
import type { CmaBulkDeps } from '../../src/cma/cma-bulk.ts';
import { CmaRegistry, type CmaDeviceSpec, type DeviceAllocation } from '../../src/cma/cma-registry.ts';
import { ContigAllocator, type ContigDeps, type ContigMode, type ContigRangeOptions, type ContigReport } from '../../src/contig/alloc-contig.ts';
import { Pinner, type PinDeps } from '../../src/contig/pin.ts';
import type { PageAllocator } from '../../src/buddy/page-allocator.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, type Migratetype } from '../../src/mem/migratetype.ts';
import type { OwnerId, Owners } from '../../src/mem/owners.ts';
import type { CmaRange } from '../../src/mem/platform.ts';

/** M2 (before Doug Berger's 2017 fix): the distance FORWARD to the next 2^align boundary, 0 when align <= opb. */
function buggyAlignedOffset(basePfn: Pfn, alignOrder: number, orderPerBit: number): number {
  if (alignOrder <= orderPerBit) return 0;
  const alignment = 2 ** alignOrder;
  return Math.floor((Math.ceil(basePfn / alignment) * alignment - basePfn) / 2 ** orderPerBit);
}

/** cma_alloc as 6.1 runs it, with the pre-2017 aligned offset (no early-exit shortcuts changed). */
function cmaAllocWithOldOffset(area: CmaArea, deps: CmaDeps, request: CmaAllocRequest): Result<Pfn> {
  const { pageCount, alignOrder } = request;
  const fail = (errno: Errno, detail: string): Result<Pfn> => {
    area.accountFailure(deps.events, pageCount);
    return err(errno, detail);
  };
  area.lastProbes = [];
  const bitmapCount = cmaBitmapPagesToBits(pageCount, area.orderPerBit);
  if (pageCount === 0 || bitmapCount > area.bitmap.bitmapMaxno) return fail('ENOMEM', 'count 0 or too many bits');
  const mask = cmaBitmapAlignedMask(alignOrder, area.orderPerBit);
  const offset = buggyAlignedOffset(area.basePfn, alignOrder, area.orderPerBit);
  const probes: number[] = [];
  let start = 0;
  let ret: Errno = 'ENOMEM';
  for (;;) {
    const bitmapNo = area.bitmap.findRange(start, bitmapCount, mask, offset);
    if (bitmapNo >= area.bitmap.bitmapMaxno) break;
    probes.push(bitmapNo);
    area.bitmap.reserve(bitmapNo, bitmapCount);
    const pfn = area.bitmap.pfnOfBit(bitmapNo);
    const got = deps.contig.allocContigRange(pfn, pfn + pageCount, MIGRATE_CMA, 'normal', request.owner ?? area.owner);
    if (got.ok) {
      area.lastProbes = probes;
      area.accountSuccess(deps.events, pageCount);
      return ok(pfn);
    }
    area.bitmap.clearPages(pfn, pageCount);
    ret = got.errno;
    if (ret !== 'EBUSY') break;
    start = bitmapNo + mask + 1;
  }
  area.lastProbes = probes;
  return fail(ret, 'no window');
}

/** The registry whose areas compute the aligned offset the pre-2017 way (M2). */
export class OldOffsetRegistry extends CmaRegistry {
  private readonly cmaDeps: CmaBulkDeps;

  constructor(ranges: readonly CmaRange[], devices: readonly CmaDeviceSpec[], owners: Owners, deps: CmaBulkDeps) {
    super(ranges, devices, owners, deps);
    this.cmaDeps = deps;
  }

  override alloc(name: string, request: CmaAllocRequest): Result<Pfn> {
    const area = this.area(name);
    return area === undefined ? super.alloc(name, request) : cmaAllocWithOldOffset(area, this.cmaDeps, request);
  }

  override deviceAlloc(device: string, request: CmaAllocRequest): Result<DeviceAllocation> {
    const areas = this.deviceAreas(device);
    if (!areas.ok) return areas;
    for (const area of areas.value) {
      const pfn = cmaAllocWithOldOffset(area, this.cmaDeps, request);
      if (pfn.ok) return ok({ area, pfn: pfn.value });
    }
    return err('ENOMEM', `device ${device}: every area failed`);
  }
}

/** M8: a failed cma_alloc leaves the bits of the windows it tried set (as if cma_clear_bitmap were skipped). */
export class KeepsBitsOnFailure extends CmaRegistry {
  override alloc(name: string, request: CmaAllocRequest): Result<Pfn> {
    const got = super.alloc(name, request);
    const area = this.area(name);
    if (got.ok || area === undefined) return got;
    const bits = cmaBitmapPagesToBits(request.pageCount, area.orderPerBit);
    for (const probe of area.lastProbes) {
      let clear = true;
      for (let bit = probe; bit < probe + bits; bit++) clear &&= !area.bitmap.isBitSet(bit);
      if (clear) area.bitmap.reserve(probe, bits);
    }
    return got;
  }
}

/** M10: after isolation succeeded, an error return leaves the range's first pageblock MIGRATE_ISOLATE. */
export class LeavesIsolated extends ContigAllocator {
  private readonly pageAllocator: PageAllocator;

  constructor(deps: ContigDeps) {
    super(deps);
    this.pageAllocator = deps.buddy;
  }

  override allocContigRange(pfnStart: Pfn, pfnEnd: Pfn, migratetype: Migratetype, mode: ContigMode, owner: OwnerId, options?: ContigRangeOptions): Result<ContigReport> {
    const got = options === undefined ? super.allocContigRange(pfnStart, pfnEnd, migratetype, mode, owner) : super.allocContigRange(pfnStart, pfnEnd, migratetype, mode, owner, options);
    const report = this.lastReport;
    if (got.ok || report === undefined || got.errno === 'EINVAL' || (!report.drained && report.migrationRounds === 0)) return got;
    const block = pfnStart - (pfnStart % PAGEBLOCK_NR_PAGES);
    this.pageAllocator.setPageblockMigratetype(block, MIGRATE_ISOLATE);
    this.pageAllocator.moveFreePagesBlock(block, MIGRATE_ISOLATE);
    return got;
  }
}

/** M13: FOLL_LONGTERM pins whatever the platform says, without migrating out of CMA first (the 2020 behaviour, unasked). */
export class PinsInPlace extends Pinner {
  constructor(deps: PinDeps) {
    super({ ...deps, longtermMigratesCma: false });
  }
}
