// The machine's CMA areas by name and its devices with their ordered area lists: the "kinds" of memory of the 2010
// CMA threads (seed 001: a driver asks for memory of its kind and gets it from the areas serving that kind, trying
// the next when one is full), with Linux's dev_get_cma_area() fallback to the default (cma=) area `reserved`.
import { err, ok, type Result } from '../base/errno.ts';
import type { StateHasher } from '../base/hash.ts';
import type { PageCount, Pfn } from '../base/units.ts';
import type { Owners } from '../mem/owners.ts';
import type { CmaRange } from '../mem/platform.ts';
import { CmaArea, cmaAlloc, cmaRelease, type CmaAllocRequest } from './cma-area.ts';
import { cmaAllocBulk, type CmaBulkDeps, type CmaBulkRequest, type CmaBulkResult } from './cma-bulk.ts';
import { DEFAULT_CMA_AREA_NAME } from './cma-reserve.ts';

/** A device and the areas it allocates from, in fallback order (empty: the default area). */
export interface CmaDeviceSpec {
  readonly name: string;
  readonly cmaAreas: readonly string[];
}

/** Where a device allocation landed. */
export interface DeviceAllocation {
  readonly area: CmaArea;
  readonly pfn: Pfn;
}

/** Every CMA area of a machine (in layout order) and the device-to-area map. */
export class CmaRegistry {
  readonly areas: readonly CmaArea[];
  private readonly byName: ReadonlyMap<string, CmaArea>;
  private readonly devices: ReadonlyMap<string, readonly string[]>;

  constructor(ranges: readonly CmaRange[], devices: readonly CmaDeviceSpec[], owners: Owners, private readonly deps: CmaBulkDeps) {
    this.areas = ranges.map((range) => new CmaArea(range.name, range.pfnStart, range.pfnEnd - range.pfnStart, range.orderPerBit, owners.register('cma', range.name)));
    this.byName = new Map(this.areas.map((area) => [area.name, area]));
    this.devices = new Map(devices.map((device) => [device.name, device.cmaAreas]));
  }

  /** The area called `name`. */
  area(name: string): CmaArea | undefined {
    return this.byName.get(name);
  }

  /** dma_contiguous_default_area: the area `cma=` created, if any. */
  get defaultArea(): CmaArea | undefined {
    return this.byName.get(DEFAULT_CMA_AREA_NAME);
  }

  /** Device names, in config order. */
  deviceNames(): string[] {
    return [...this.devices.keys()];
  }

  /** cma_alloc on the area called `name`; ENOENT for an unknown area. */
  alloc(name: string, request: CmaAllocRequest): Result<Pfn> {
    const area = this.byName.get(name);
    if (area === undefined) return err('ENOENT', `no CMA area named "${name}"`);
    return cmaAlloc(area, this.deps, request);
  }

  /** cma_release on the area called `name`; false for an unknown area, as for a NULL cma. */
  release(name: string, pfn: Pfn, pageCount: PageCount): boolean {
    const area = this.byName.get(name);
    return area !== undefined && cmaRelease(area, this.deps, pfn, pageCount);
  }

  /** cma_alloc_bulk on the area called `name`; ENOENT (as errno, nothing allocated) for an unknown area. */
  allocBulk(name: string, request: CmaBulkRequest): CmaBulkResult {
    const area = this.byName.get(name);
    if (area === undefined) return { chunks: [], nrAllocated: 0, errno: 'ENOENT' };
    return cmaAllocBulk(area, this.deps, request);
  }

  /** The areas a device allocates from, in order: its list, or the default area for an empty list. */
  deviceAreas(device: string): Result<CmaArea[]> {
    const names = this.devices.get(device);
    if (names === undefined) return err('ENODEV', `no device named "${device}"`);
    if (names.length > 0) return ok(names.map((name) => this.byName.get(name)).filter((area): area is CmaArea => area !== undefined));
    const fallback = this.defaultArea;
    return ok(fallback === undefined ? [] : [fallback]);
  }

  /**
   * A device allocation: cma_alloc on the device's first area, then on each next one when it fails (for any
   * reason, as a driver only sees NULL). Returns the area that served it. ENODEV for an unknown device; ENOMEM
   * when no area could serve it (the detail names each failure).
   */
  deviceAlloc(device: string, request: CmaAllocRequest): Result<DeviceAllocation> {
    const areas = this.deviceAreas(device);
    if (!areas.ok) return areas;
    const failures: string[] = [];
    for (const area of areas.value) {
      const pfn = cmaAlloc(area, this.deps, request);
      if (pfn.ok) return ok({ area, pfn: pfn.value });
      failures.push(`${area.name}: ${pfn.errno}`);
    }
    return err('ENOMEM', failures.length === 0 ? `device ${device} has no CMA area` : `device ${device}: ${failures.join(', ')}`);
  }

  /** Feeds every area, in layout order, to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateNumber(this.areas.length);
    for (const area of this.areas) area.hashInto(hasher);
  }
}
