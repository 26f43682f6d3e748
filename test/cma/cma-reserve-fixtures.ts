// Fixtures of the CMA reservation tests: bank, reservation and area ranges in bytes, the 1 GiB and 8 GiB machines, and the placed address of a result.
import type { Result } from '../../src/base/errno.ts';
import { PAGE_SIZE } from '../../src/base/units.ts';
import type { CmaReserveContext } from '../../src/cma/cma-reserve.ts';
import type { BankLayout, CmaRange, ReservedRange } from '../../src/mem/platform.ts';

export const M = 2 ** 20;
export const G = 2 ** 30;

export function bank(name: string, startBytes: number, endBytes: number, zoneKind: BankLayout['zoneKind'] = 'Normal'): BankLayout {
  return { name, node: 0, zoneKind, pfnStart: startBytes / PAGE_SIZE, pfnEnd: endBytes / PAGE_SIZE };
}

export function reservation(label: string, startBytes: number, endBytes: number): ReservedRange {
  return { label, pfnStart: startBytes / PAGE_SIZE, pfnEnd: endBytes / PAGE_SIZE };
}

export function area(name: string, startBytes: number, sizeBytes: number): CmaRange {
  return { name, pfnStart: startBytes / PAGE_SIZE, pfnEnd: (startBytes + sizeBytes) / PAGE_SIZE, orderPerBit: 0 };
}

/** A 1 GiB machine with the kernel image at [1 MiB, 33 MiB). */
export const small: CmaReserveContext = { banks: [bank('ram', 0, G)], reserved: [reservation('kernel', M, 33 * M)], cmaAreas: [] };

/** An 8 GiB machine: DMA32 below 4 GiB, Normal above. */
export const big: CmaReserveContext = {
  banks: [bank('low', 0, 4 * G, 'DMA32'), bank('high', 4 * G, 8 * G)],
  reserved: [reservation('kernel', M, 33 * M)],
  cmaAreas: [],
};

/** The byte address an area was placed at; throws on an error or no area. */
export function placedAt(result: Result<CmaRange | undefined>): number {
  if (!result.ok) throw new Error(`${result.errno}: ${result.detail}`);
  if (result.value === undefined) throw new Error('no area');
  return result.value.pfnStart * PAGE_SIZE;
}
