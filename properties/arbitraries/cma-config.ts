// The CMA part of a swarm machine config: platform areas (order_per_bit 0..2, sometimes at a fixed base aligned to 2 MiB only, so alignments above it exercise M1/M2), devices with fallback area lists, and the long-term pinning switch both ways.
import * as fc from 'fast-check';

/** A platform area as a config draws it. */
export interface PlatformDraw {
  readonly sizeMiB: number;
  readonly orderPerBit: number;
}

/** The CMA choices of one config beyond the sizes. */
export interface CmaDraw {
  /** Place `plat` at a fixed base that is an odd multiple of 2 MiB (base pfn aligned to 2^9 only). */
  readonly fixedBase: boolean;
  /** Devices: none; one on `plat` (and `plat2` when there is one); one on the default area; or both kinds. */
  readonly devices: 'none' | 'platform' | 'default' | 'both';
  /** pinning.longtermMigratesCma false: the 2020 behaviour, FOLL_LONGTERM pins stay in CMA. */
  readonly pinInPlace: boolean;
}

/** The first bank of a config (fixed bases go there). */
interface BankJson {
  readonly size: string;
}

/** Fixed base, sometimes; devices of each kind; pinning in place one run in four. */
export function cmaDrawArbitrary(): fc.Arbitrary<CmaDraw> {
  return fc.record({
    fixedBase: fc.boolean(),
    devices: fc.constantFrom('none' as const, 'platform' as const, 'default' as const, 'both' as const),
    pinInPlace: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
  });
}

/** An odd multiple of 2 MiB in the middle of a bank of `bankMiB` (or undefined when the bank is too small to leave room for the kernel). */
function unalignedBaseMiB(bankMiB: number, sizeMiB: number): number | undefined {
  const base = bankMiB / 2 - 2;
  return bankMiB >= 32 && base + sizeMiB <= bankMiB * 0.75 ? base : undefined;
}

/** The `plat` area (and, with `second`, a `plat2` area of the same geometry for device fallback). */
export function platformAreasJson(platform: PlatformDraw, draw: CmaDraw, firstBank: BankJson, second: boolean): Record<string, unknown>[] {
  const base = draw.fixedBase ? unalignedBaseMiB(Number.parseInt(firstBank.size, 10), platform.sizeMiB) : undefined;
  const plat = { name: 'plat', size: `${platform.sizeMiB}M`, orderPerBit: platform.orderPerBit, ...(base === undefined ? {} : { base: `${base}M` }) };
  if (!second) return [plat];
  return [plat, { name: 'plat2', size: `${platform.sizeMiB}M`, orderPerBit: (platform.orderPerBit + 1) % 3 }];
}

/** The devices: `dev0` on the platform areas in order, `dev1` on the default (cma=) area. */
function devicesJson(draw: CmaDraw, areaNames: readonly string[]): Record<string, unknown>[] {
  const onPlatform = areaNames.length > 0 && (draw.devices === 'platform' || draw.devices === 'both') ? [{ name: 'dev0', cma: [...areaNames] }] : [];
  const onDefault = draw.devices === 'default' || draw.devices === 'both' ? [{ name: 'dev1', cma: [] }] : [];
  return [...onPlatform, ...onDefault];
}

/**
 * The `cma`, `devices` and `pinning` sections for a config whose platform area was drawn as
 * `platform` (null: none); `second` adds `plat2`.
 */
export function cmaSectionFor(draw: CmaDraw, platform: PlatformDraw | null, firstBank: BankJson, second = false): Record<string, unknown> {
  const areas = platform === null ? [] : platformAreasJson(platform, draw, firstBank, second);
  const devices = devicesJson(draw, areas.map((area) => area.name as string));
  return {
    ...(areas.length === 0 ? {} : { cma: { areas } }),
    ...(devices.length === 0 ? {} : { devices }),
    ...(draw.pinInPlace ? { pinning: { longtermMigratesCma: false } } : {}),
  };
}
