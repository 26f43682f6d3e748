// The machine config's `heaps` section: defaults (absent section = mainline 6.1 plus the cap), normalization to bytes, and every validation error as one line naming the field.
import { describe, expect, it } from 'vitest';
import { DEFAULT_HEAPS_CONFIG, heapsConfigOf, type MachineConfig } from '../../src/machine/config.ts';
import { errorOf as configError, machine, MiB, parsedOk } from './machine-fixtures.ts';

const parsed = (extra: Record<string, unknown>): MachineConfig => parsedOk(machine(extra));
const errorOf = (extra: Record<string, unknown>): string => configError(machine(extra));

describe('heaps defaults', () => {
  it('an absent section stays absent and reads as mainline (no pools, no deferred free, cap on, only system)', () => {
    const config = parsed({});
    expect('heaps' in config).toBe(false);
    expect(heapsConfigOf(config)).toBe(DEFAULT_HEAPS_CONFIG);
    expect(DEFAULT_HEAPS_CONFIG).toEqual({
      system: { pool: 'none', shrinkerStyle: 'ion', staticPoolEntries: 1024, deferredFree: false, zeroBudgetBytesPerTick: 8 * MiB, sizeCap: true, variants: [] },
      cpa: [],
    });
  });

  it('an empty section fills every default', () => {
    expect(parsed({ heaps: {} }).heaps).toEqual(DEFAULT_HEAPS_CONFIG);
  });

  it('normalizes sizes to bytes and keeps every field', () => {
    const config = parsed({
      heaps: {
        system: {
          pool: 'shrinker', shrinkerStyle: 'ttm', poolLimit: '16M', deferredFree: true, zeroBudgetPerTick: '1M', sizeCap: false,
          variants: [{ name: 'system-uncached', caching: 'uncached' }],
        },
        cpa: [{ name: 'cpa', lowmark: 8, fillmark: 64, highmark: 128 }, { name: 'cpa64k', order: 4, lowmark: 0, fillmark: 1, highmark: 1, alignOrder: 4 }],
      },
    });
    expect(config.heaps).toEqual({
      system: {
        pool: 'shrinker', shrinkerStyle: 'ttm', staticPoolEntries: 1024, poolLimitBytes: 16 * MiB, deferredFree: true,
        zeroBudgetBytesPerTick: MiB, sizeCap: false, variants: [{ name: 'system-uncached', caching: 'uncached' }],
      },
      cpa: [
        { name: 'cpa', order: 9, lowmark: 8, fillmark: 64, highmark: 128, alignOrder: 0 },
        { name: 'cpa64k', order: 4, lowmark: 0, fillmark: 1, highmark: 1, alignOrder: 4 },
      ],
    });
  });
});

describe('heaps errors (one line, field path first)', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown field', { heaps: { system: { poool: 'x' } } }, 'machine.json: heaps.system.poool: unknown field'],
    ['unknown section field', { heaps: { chunks: [] } }, 'machine.json: heaps.chunks: unknown field'],
    ['bad pool variant', { heaps: { system: { pool: 'big' } } }, 'machine.json: heaps.system.pool: must be one of none, static, shrinker (got "big")'],
    ['bad shrinker style', { heaps: { system: { shrinkerStyle: 'slab' } } }, 'machine.json: heaps.system.shrinkerStyle: must be one of ion, ttm (got "slab")'],
    ['ring too large', { heaps: { system: { staticPoolEntries: 40000 } } },
      'machine.json: heaps.system.staticPoolEntries: must be at most 32768, the largest ring page_pool_init accepts (E2BIG) (got 40000)'],
    ['empty ring', { heaps: { system: { staticPoolEntries: 0 } } }, 'machine.json: heaps.system.staticPoolEntries: must be between 1 and 32768 (got 0)'],
    ['bad size', { heaps: { system: { poolLimit: '12Q' } } },
      'machine.json: heaps.system.poolLimit: expected a size such as 4096, "256M" or "0x40000000" (got "12Q")'],
    ['budget below a page', { heaps: { system: { zeroBudgetPerTick: 100 } } }, 'machine.json: heaps.system.zeroBudgetPerTick: must be at least 4K (got 100)'],
    ['not a boolean', { heaps: { system: { deferredFree: 'yes' } } }, 'machine.json: heaps.system.deferredFree: expected true or false, got "yes"'],
    ['bad caching', { heaps: { system: { variants: [{ name: 'u', caching: 'wb' }] } } },
      'machine.json: heaps.system.variants[0].caching: must be one of cached, write-combined, uncached (got "wb")'],
    ['variant named system', { heaps: { system: { variants: [{ name: 'system', caching: 'uncached' }] } } },
      'machine.json: heaps.system.variants[0].name: "system" is already the name of the system heap'],
    ['variant named reserved with cma=', { cmdline: 'cma=16M', heaps: { system: { variants: [{ name: 'reserved', caching: 'uncached' }] } } },
      'machine.json: heaps.system.variants[0].name: "reserved" is already the name of the cma= heap'],
    ['cpa named like a variant', { heaps: { system: { variants: [{ name: 'u', caching: 'uncached' }] }, cpa: [{ name: 'u', lowmark: 1, fillmark: 2, highmark: 3 }] } },
      'machine.json: heaps.cpa[0].name: "u" is already the name of heaps.system.variants[0]'],
    ['fillmark below lowmark', { heaps: { cpa: [{ name: 'c', lowmark: 3, fillmark: 2, highmark: 3 }] } }, 'machine.json: heaps.cpa[0].fillmark: must be >= lowmark (3), got 2'],
    ['highmark below fillmark', { heaps: { cpa: [{ name: 'c', lowmark: 1, fillmark: 4, highmark: 3 }] } }, 'machine.json: heaps.cpa[0].highmark: must be >= fillmark (4), got 3'],
    ['cpa order 0', { heaps: { cpa: [{ name: 'c', order: 0, lowmark: 1, fillmark: 4, highmark: 5 }] } }, 'machine.json: heaps.cpa[0].order: must be between 1 and 10 (got 0)'],
    ['negative mark', { heaps: { cpa: [{ name: 'c', lowmark: -1, fillmark: 4, highmark: 5 }] } }, 'machine.json: heaps.cpa[0].lowmark: must be a whole number >= 0 (got -1)'],
    ['missing mark', { heaps: { cpa: [{ name: 'c', fillmark: 4, highmark: 5 }] } }, 'machine.json: heaps.cpa[0].lowmark: missing (required)'],
    ['too many heaps', { heaps: { cpa: Array.from({ length: 128 }, (_, i) => ({ name: `c${i}`, lowmark: 0, fillmark: 0, highmark: 0 })) } },
      'machine.json: heaps: 129 heaps, more than the 128 dma-heap minors'],
    ['not an object', { heaps: 3 }, 'machine.json: heaps: expected an object, got 3'],
  ];
  it.each(cases)('%s', (_name, extra, message) => {
    expect(errorOf(extra)).toBe(message);
  });

  it('every message is one line', () => {
    for (const [, extra] of cases) expect(errorOf(extra)).not.toContain('\n');
  });

  it('a device that exports a heap counts against variant and CPA names', () => {
    const config = {
      cma: { areas: [{ name: 'video', size: '16M' }] },
      devices: [{ name: 'mfc', cma: ['video'], exportHeap: true }],
      heaps: { cpa: [{ name: 'video', lowmark: 0, fillmark: 0, highmark: 0 }] },
    };
    expect(errorOf(config)).toBe('machine.json: heaps.cpa[0].name: "video" is already the name of devices[0]');
  });
});
