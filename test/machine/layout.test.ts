// resolveLayout (src/machine/layout.ts): banks/reservations → PFN ranges, CMA placement (platform areas, then cma=) as Linux 6.1 boot does it, and refused layouts.
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/base/errno.ts';
import type { BankConfig, CmaAreaConfig, MachineConfig } from '../../src/machine/config.ts';
import { resolveLayout, type ResolvedLayout } from '../../src/machine/layout.ts';
import type { CmaRange } from '../../src/mem/platform.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const PFN_PER_MIB = 256;

function bank(overrides: Partial<BankConfig> = {}): BankConfig {
  return { name: 'dram0', baseBytes: 0, sizeBytes: 256 * MiB, zone: 'Normal', node: 0, ...overrides };
}

function area(name: string, sizeBytes: number, extra: Partial<CmaAreaConfig> = {}): CmaAreaConfig {
  return { name, sizeBytes, alignmentBytes: 0, orderPerBit: 0, ...extra };
}

function config(overrides: Partial<MachineConfig> = {}): MachineConfig {
  return {
    banks: [bank()],
    cpuCount: 2,
    reserved: [{ label: 'kernel', baseBytes: 0, sizeBytes: 8 * MiB }],
    cmdline: '',
    cma: { areas: [] },
    devices: [],
    pinning: { longtermMigratesCma: true },
    vm: { watermarkScaleFactor: 10 },
    ...overrides,
  };
}

function resolved(cfg: MachineConfig): ResolvedLayout {
  const result = resolveLayout(cfg, 'machine.json');
  if (!result.ok) throw new Error(`${result.errno}: ${result.detail}`);
  return result.value;
}

function cmaOf(cfg: MachineConfig): CmaRange[] {
  return [...resolved(cfg).layout.cma];
}

/** A CmaRange from MiB offsets, to keep the expected placements readable. */
function mib(name: string, startMiB: number, endMiB: number, orderPerBit = 0): CmaRange {
  return { name, pfnStart: startMiB * PFN_PER_MIB, pfnEnd: endMiB * PFN_PER_MIB, orderPerBit };
}

function failure(cfg: MachineConfig): { errno: string; detail: string } {
  const result: Result<ResolvedLayout> = resolveLayout(cfg, 'machine.json');
  if (result.ok) throw new Error(`expected a refused layout, got ${JSON.stringify(result.value.layout.cma)}`);
  return { errno: result.errno, detail: result.detail };
}

describe('banks and reservations become PFN ranges', () => {
  it('resolves the default one-bank machine: 256 MiB at 0 with the kernel in its first 8 MiB, no CMA', () => {
    expect(resolved(config())).toEqual({
      layout: {
        banks: [{ name: 'dram0', node: 0, zoneKind: 'Normal', pfnStart: 0, pfnEnd: 65536 }],
        reserved: [{ label: 'kernel', pfnStart: 0, pfnEnd: 2048 }],
        cma: [],
        cpuCount: 2,
        watermarkScaleFactor: 10,
      },
      ignoredParams: [],
    });
  });

  it('keeps bank order, node and zone, and converts byte addresses above 4 GiB', () => {
    const layout = resolved(config({
      banks: [bank({ zone: 'DMA32', sizeBytes: 2 * GiB }), bank({ name: 'dram1', baseBytes: 4 * GiB, sizeBytes: 512 * MiB, node: 1 })],
    })).layout;
    expect(layout.banks).toEqual([
      { name: 'dram0', node: 0, zoneKind: 'DMA32', pfnStart: 0, pfnEnd: 524288 },
      { name: 'dram1', node: 1, zoneKind: 'Normal', pfnStart: 1048576, pfnEnd: 1179648 },
    ]);
  });

  it('carries every reservation, in config order', () => {
    const layout = resolved(config({
      reserved: [{ label: 'kernel', baseBytes: 0, sizeBytes: 8 * MiB }, { label: 'framebuffer', baseBytes: 64 * MiB, sizeBytes: 4 * MiB }],
    })).layout;
    expect(layout.reserved).toEqual([
      { label: 'kernel', pfnStart: 0, pfnEnd: 2048 },
      { label: 'framebuffer', pfnStart: 16384, pfnEnd: 17408 },
    ]);
  });

  it('passes cpuCount and the vm sysctls through, adding minFreeKbytes only when configured', () => {
    const plain = resolved(config()).layout;
    expect('minFreeKbytes' in plain).toBe(false);
    const tuned = resolved(config({ cpuCount: 8, vm: { watermarkScaleFactor: 200, minFreeKbytes: 4096 } })).layout;
    expect([tuned.cpuCount, tuned.watermarkScaleFactor, tuned.minFreeKbytes]).toEqual([8, 200, 4096]);
  });
});

describe('platform CMA areas (cma_declare_contiguous, mm/cma.c 6.1)', () => {
  it('places a floating area top-down at the end of memory', () => {
    expect(cmaOf(config({ cma: { areas: [area('video', 64 * MiB)] } }))).toEqual([mib('video', 192, 256)]);
  });

  it('declares areas in config order, each below the ones already placed', () => {
    expect(cmaOf(config({ cma: { areas: [area('a', 64 * MiB), area('b', 32 * MiB)] } }))).toEqual([mib('a', 192, 256), mib('b', 160, 192)]);
  });

  it('puts a fixed area exactly at its base', () => {
    expect(cmaOf(config({ cma: { areas: [area('fw', 16 * MiB, { baseBytes: 32 * MiB })] } }))).toEqual([mib('fw', 32, 48)]);
  });

  it('places a ranged area top-down inside [startBytes, endBytes)', () => {
    const ranged = area('isp', 32 * MiB, { range: { startBytes: 16 * MiB, endBytes: 128 * MiB } });
    expect(cmaOf(config({ cma: { areas: [ranged] } }))).toEqual([mib('isp', 96, 128)]);
  });

  it('rounds the size up to the alignment, as Linux does (size = ALIGN(size, alignment))', () => {
    expect(cmaOf(config({ cma: { areas: [area('gpu', 10 * MiB, { alignmentBytes: 16 * MiB })] } }))).toEqual([mib('gpu', 240, 256)]);
  });

  it('rounds a sub-pageblock size up to 2 MiB (CMA_MIN_ALIGNMENT_BYTES)', () => {
    expect(cmaOf(config({ cma: { areas: [area('tiny', 4096)] } }))).toEqual([mib('tiny', 254, 256)]);
  });

  it('keeps orderPerBit on the range', () => {
    expect(cmaOf(config({ cma: { areas: [area('big', 64 * MiB, { orderPerBit: 4 })] } }))).toEqual([mib('big', 192, 256, 4)]);
  });

  it('restricts placement to the named bank (like the nid argument)', () => {
    const banks = [bank(), bank({ name: 'dram1', baseBytes: 256 * MiB, node: 1 })];
    expect(cmaOf(config({ banks, cma: { areas: [area('low', 32 * MiB)] } }))).toEqual([mib('low', 480, 512)]);
    expect(cmaOf(config({ banks, cma: { areas: [area('low', 32 * MiB, { bank: 'dram0' })] } }))).toEqual([mib('low', 224, 256)]);
  });

  it('tries bottom-up from 4 GiB first when memory ends at or above 4 GiB + size (6.1 cma_declare_contiguous_nid)', () => {
    const banks = [bank({ sizeBytes: 6 * GiB })];
    expect(cmaOf(config({ banks, cma: { areas: [area('high', 64 * MiB)] } }))).toEqual([mib('high', 4096, 4160)]);
  });

  it('skips reservations when placing top-down', () => {
    const reserved = [{ label: 'kernel', baseBytes: 0, sizeBytes: 8 * MiB }, { label: 'ramoops', baseBytes: 240 * MiB, sizeBytes: 16 * MiB }];
    expect(cmaOf(config({ reserved, cma: { areas: [area('video', 32 * MiB)] } }))).toEqual([mib('video', 208, 240)]);
  });
});

describe('the default area from cma= (dma_contiguous_reserve, kernel/dma/contiguous.c 6.1)', () => {
  it('has no default area without cma= (CONFIG_CMA_SIZE_MBYTES is 0 on x86)', () => {
    expect(cmaOf(config({ cmdline: 'quiet' }))).toEqual([]);
  });

  it('adds an area named "reserved" after the platform areas, placed below them', () => {
    expect(cmaOf(config({ cmdline: 'cma=32M', cma: { areas: [area('video', 64 * MiB)] } }))).toEqual([
      mib('video', 192, 256),
      mib('reserved', 160, 192),
    ]);
  });

  it('fixes the area at @base when no -end is given', () => {
    expect(cmaOf(config({ cmdline: 'cma=16M@64M' }))).toEqual([mib('reserved', 64, 80)]);
  });

  it('places the area inside @start-end when start + size != end', () => {
    expect(cmaOf(config({ cmdline: 'cma=16M@32M-128M' }))).toEqual([mib('reserved', 112, 128)]);
  });

  it('treats cma=0 as "no default area"', () => {
    expect(cmaOf(config({ cmdline: 'cma=0' }))).toEqual([]);
  });

  it('reports the other kernel parameters as ignored, including everything after --', () => {
    expect(resolved(config({ cmdline: 'quiet loglevel=7 cma=16M -- init=/bin/sh single' })).ignoredParams).toEqual([
      'quiet', 'loglevel=7', '--', 'init=/bin/sh', 'single',
    ]);
  });
});

describe('refused layouts name the source, the area and the errno', () => {
  it('EBUSY: a fixed area over the kernel reservation', () => {
    const { errno, detail } = failure(config({ cma: { areas: [area('video', 16 * MiB, { baseBytes: 2 * MiB })] } }));
    expect(errno).toBe('EBUSY');
    expect(detail).toBe('machine.json: cma.areas[0] (video): EBUSY: cma_declare_contiguous: fixed area 0x200000-0x1200000 overlaps an existing reservation');
  });

  it('EBUSY: a fixed area over an area declared before it, naming the later area by index', () => {
    const areas = [area('a', 16 * MiB, { baseBytes: 32 * MiB }), area('b', 16 * MiB, { baseBytes: 40 * MiB })];
    const { errno, detail } = failure(config({ cma: { areas } }));
    expect(errno).toBe('EBUSY');
    expect(detail).toMatch(/^machine\.json: cma\.areas\[1\] \(b\): EBUSY: /);
  });

  it('ENOMEM: a floating area that fits in memory but not in any free range', () => {
    const { errno, detail } = failure(config({ cma: { areas: [area('huge', 252 * MiB)] } }));
    expect(errno).toBe('ENOMEM');
    expect(detail).toMatch(/^machine\.json: cma\.areas\[0\] \(huge\): ENOMEM: cma_declare_contiguous: no free 0xfc00000 bytes/);
  });

  it('EINVAL: an area larger than memory', () => {
    const { errno, detail } = failure(config({ cma: { areas: [area('huge', 512 * MiB)] } }));
    expect(errno).toBe('EINVAL');
    expect(detail).toMatch(/^machine\.json: cma\.areas\[0\] \(huge\): EINVAL: .*exceeds limitBytes 0x10000000$/);
  });

  it('EINVAL: a fixed base not aligned to the area alignment', () => {
    const { errno, detail } = failure(config({ cma: { areas: [area('odd', 16 * MiB, { baseBytes: 33 * MiB })] } }));
    expect(errno).toBe('EINVAL');
    expect(detail).toContain('is not aligned to 0x200000');
  });

  it('EINVAL: a malformed cmdline (cma with no value), before any area is placed', () => {
    const { errno, detail } = failure(config({ cmdline: 'quiet cma', cma: { areas: [area('huge', 512 * MiB)] } }));
    expect(errno).toBe('EINVAL');
    expect(detail).toMatch(/^machine\.json: cmdline: cma: "cma" needs a value/);
  });

  it('EINVAL: a cma= default area that does not fit, quoting the cmdline', () => {
    const { errno, detail } = failure(config({ cmdline: 'cma=1G' }));
    expect(errno).toBe('EINVAL');
    expect(detail).toMatch(/^machine\.json: cmdline "cma=1G": EINVAL: cma_declare_contiguous: /);
  });

  it('EINVAL: a platform area already called "reserved" clashes with the cma= default area', () => {
    const { errno, detail } = failure(config({ cmdline: 'cma=16M', cma: { areas: [area('reserved', 16 * MiB)] } }));
    expect(errno).toBe('EINVAL');
    expect(detail).toContain('name "reserved" is already used by another CMA area');
  });

  it('uses the given source name in every message', () => {
    const result = resolveLayout(config({ cmdline: 'cma' }), 'swarm#3');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.detail.startsWith('swarm#3: ')).toBe(true);
  });
});
