// PlatformLayout types (src/mem/platform.ts, types only): which fields are required/optional, checked by tsc via @ts-expect-error.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { BankLayout, CmaRange, PlatformLayout, ReservedRange, ZoneKind } from '../../src/mem/platform.ts';

const bank: BankLayout = { name: 'dram0', node: 0, zoneKind: 'Normal', pfnStart: 0, pfnEnd: 65536 };
const reserved: ReservedRange = { label: 'kernel', pfnStart: 0, pfnEnd: 2048 };
const cma: CmaRange = { name: 'reserved', pfnStart: 49152, pfnEnd: 65536, orderPerBit: 0 };

describe('PlatformLayout', () => {
  it('describes a machine from banks, reservations and CMA ranges, with minFreeKbytes optional', () => {
    const layout: PlatformLayout = { banks: [bank], reserved: [reserved], cma: [cma], cpuCount: 2, watermarkScaleFactor: 10 };
    const tuned: PlatformLayout = { ...layout, minFreeKbytes: 1024 };
    expect('minFreeKbytes' in layout).toBe(false);
    expect(tuned.minFreeKbytes).toBe(1024);
    expectTypeOf<PlatformLayout['minFreeKbytes']>().toEqualTypeOf<number | undefined>();
  });

  it('allows exactly the four zone kinds', () => {
    expectTypeOf<ZoneKind>().toEqualTypeOf<'DMA' | 'DMA32' | 'Normal' | 'Movable'>();
    // @ts-expect-error HighMem does not exist on 64-bit, so it is not a ZoneKind.
    const highmem: ZoneKind = 'HighMem';
    expect(highmem).toBe('HighMem');
  });

  it('rejects an explicit undefined minFreeKbytes and a missing cpuCount (exactOptionalPropertyTypes)', () => {
    // @ts-expect-error minFreeKbytes is absent or a number, never undefined.
    const explicitUndefined: PlatformLayout = { banks: [], reserved: [], cma: [], cpuCount: 1, watermarkScaleFactor: 10, minFreeKbytes: undefined };
    // @ts-expect-error cpuCount is required.
    const noCpus: PlatformLayout = { banks: [], reserved: [], cma: [], watermarkScaleFactor: 10 };
    expect([explicitUndefined.cpuCount, noCpus.banks.length]).toEqual([1, 0]);
  });

  it('has read-only ranges (a resolved layout is never edited in place)', () => {
    const local: BankLayout = { ...bank };
    const area: CmaRange = { ...cma };
    // @ts-expect-error pfnStart is readonly.
    local.pfnStart = 1;
    // @ts-expect-error orderPerBit is readonly.
    area.orderPerBit = 1;
    expect(reserved.pfnEnd - reserved.pfnStart).toBe(2048);
  });
});
