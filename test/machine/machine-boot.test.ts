// Machine.create and tick beyond the happy path: the default source name in boot errors, which CMA areas become heaps, and the assertions for a bad tick or an unvalidated config.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { createEnv } from '../../src/env/env.ts';
import type { MachineConfig } from '../../src/machine/config.ts';
import { Machine } from '../../src/machine/machine.ts';
import { bank, machine, parsedOk } from './machine-fixtures.ts';

function boot(config: MachineConfig): Machine {
  const booted = Machine.create(config, createEnv('boot'));
  if (!booted.ok) throw new Error(booted.detail);
  return booted.value;
}

describe('Machine.create', () => {
  it('names the config "config" in a boot error when no source is given', () => {
    const config = parsedOk({ banks: [bank({ size: '64M' })], cma: { areas: [{ name: 'huge', size: '128M' }] } });
    expect(Machine.create(config, createEnv(1))).toEqual({
      ok: false, errno: 'EINVAL',
      detail: 'config: cma.areas[0] (huge): EINVAL: cma_declare_contiguous: sizeBytes 0x8000000 at baseBytes 0x0 exceeds limitBytes 0x4000000',
    });
  });

  it('gives a CMA heap to the cma= area and to areas a device exports, not to areas a device only uses', () => {
    const config = parsedOk(machine({
      cmdline: 'cma=16M',
      cma: { areas: [{ name: 'video', size: '16M' }, { name: 'camera', size: '16M' }] },
      devices: [{ name: 'isp', cma: ['camera'] }, { name: 'mfc', cma: ['video', 'camera'], exportHeap: true }],
    }));
    const booted = boot(config);
    expect(booted.cma.area('camera')).toBeDefined();
    expect(booted.heaps.names()).toEqual(['system', 'reserved', 'video']);
  });

  it('trusts its config: a hand-built config with a CPA heap named "system" fails as a wiring bug', () => {
    const valid = parsedOk(machine({ heaps: { cpa: [{ name: 'pool', lowmark: 0, fillmark: 0, highmark: 0 }] } }));
    const heaps = valid.heaps;
    if (heaps === undefined) throw new Error('heaps section expected');
    const clashing: MachineConfig = { ...valid, heaps: { ...heaps, cpa: heaps.cpa.map((pool) => ({ ...pool, name: 'system' })) } };
    expect(() => Machine.create(clashing, createEnv(1))).toThrow(new AssertionError('machine wiring: already registered heap named system'));
  });
});

describe('Machine.tick', () => {
  it('refuses a negative or fractional step, naming it, and leaves time alone', () => {
    const booted = boot(parsedOk(machine()));
    expect(() => booted.tick(-1)).toThrow(new AssertionError('tick by -1 ns'));
    expect(() => booted.tick(0.5)).toThrow(new AssertionError('tick by 0.5 ns'));
    expect(booted.env.clock.nowNs()).toBe(0);
  });
});
