// Swarm machine configs in the JSON form `--config` accepts: 1-2 banks of 16-256 MiB in all, 1-4 CPUs, sometimes cma= and a platform CMA area, min_free_kbytes variants.
import * as fc from 'fast-check';
import { cmaDrawArbitrary, cmaSectionFor } from './cma-config.ts';
import { heapsDrawArbitrary, heapsSectionFor } from './heaps-config.ts';

const MIB = 2 ** 20;
/** Total memory of a generated machine stays within 16..256 MiB. */
const TOTAL_MAX_MIB = 256;

/** One bank of a generated config. */
interface BankJson {
  readonly name: string;
  readonly base: number;
  readonly size: string;
  readonly zone: string;
  readonly node: number;
}

function banksArbitrary(): fc.Arbitrary<BankJson[]> {
  const one = fc.record({ sizeMiB: fc.constantFrom(16, 32, 64, 128, 256), zone: fc.constantFrom('Normal', 'DMA32') })
    .map(({ sizeMiB, zone }) => [{ name: 'dram0', base: 0, size: `${sizeMiB}M`, zone, node: 0 }]);
  const two = fc.record({
    firstMiB: fc.constantFrom(16, 32, 64, 128),
    secondMiB: fc.constantFrom(16, 32, 64, 128),
    firstZone: fc.constantFrom('Normal', 'DMA32'),
    secondZone: fc.constantFrom('Normal', 'Movable'),
    sameNode: fc.boolean(),
    gapMiB: fc.constantFrom(0, 2, 64),
  }).map((b) => {
    const secondMiB = Math.min(b.secondMiB, TOTAL_MAX_MIB - b.firstMiB);
    return [
      { name: 'dram0', base: 0, size: `${b.firstMiB}M`, zone: b.firstZone, node: 0 },
      { name: 'dram1', base: (b.firstMiB + b.gapMiB) * MIB, size: `${secondMiB}M`, zone: b.secondZone, node: b.sameNode ? 0 : 1 },
    ];
  });
  return fc.oneof(one, two);
}

function totalMiB(banks: readonly BankJson[]): number {
  return banks.reduce((sum, bank) => sum + Number.parseInt(bank.size, 10), 0);
}

/**
 * A machine config: sometimes `cma=` (the default area) and/or a platform area, so the CMA rule
 * is exercised; together at most a quarter of memory, so every config boots. Two runs in three get
 * a `heaps` section (heaps-config.ts).
 */
export function machineConfigArbitrary(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({
    banks: banksArbitrary(),
    cpus: fc.integer({ min: 1, max: 4 }),
    cmaMiB: fc.constantFrom(0, 0, 4, 8, 16),
    platformCma: fc.option(fc.record({ sizeMiB: fc.constantFrom(4, 8), orderPerBit: fc.constantFrom(0, 1, 2) }), { freq: 3 }),
    minFreeKbytes: fc.option(fc.constantFrom(128, 1024, 4096), { freq: 2 }),
    cmaDraw: cmaDrawArbitrary(),
    heaps: fc.option(heapsDrawArbitrary(), { freq: 3 }),
  }).map((draw) => {
    const quarterMiB = totalMiB(draw.banks) / 4;
    const platform = draw.platformCma !== null && draw.platformCma.sizeMiB <= quarterMiB / 2 ? draw.platformCma : null;
    const cmaMiB = Math.min(draw.cmaMiB, quarterMiB / 2);
    const cma = cmaSectionFor(draw.cmaDraw, platform, draw.banks[0] as { size: string });
    return {
      banks: draw.banks,
      cpus: draw.cpus,
      ...(cmaMiB > 0 ? { cmdline: `cma=${cmaMiB}M` } : {}),
      ...cma,
      ...(draw.minFreeKbytes === null ? {} : { vm: { minFreeKbytes: draw.minFreeKbytes } }),
      ...(draw.heaps === null ? {} : heapsSectionFor(draw.heaps, { reserved: cmaMiB > 0, platform, totalMiB: totalMiB(draw.banks), devices: cma['devices'] })),
    };
  });
}
