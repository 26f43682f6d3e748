// The Machine composition root: boots from config, refuses impossible layouts with one line, deterministic state hash, tick drives workers.
import { describe, expect, it } from 'vitest';
import { createEnv } from '../../src/env/env.ts';
import { defaultMachineConfig, parseMachineConfig, type MachineConfig } from '../../src/machine/config.ts';
import { Machine } from '../../src/machine/machine.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';

function config(memBytes: number, cmdline = ''): MachineConfig {
  const parsed = defaultMachineConfig({ memBytes, cmdline });
  if (!parsed.ok) throw new Error(parsed.detail);
  return parsed.value;
}

function boot(c: MachineConfig, seed = 'm'): Machine {
  const machine = Machine.create(c, createEnv(seed));
  if (!machine.ok) throw new Error(machine.detail);
  return machine.value;
}

function workload(machine: Machine): void {
  const owner = machine.owners.register('test', 'workload');
  const live: [number, number][] = [];
  for (let i = 0; i < 200; i++) {
    const pfn = machine.buddy.allocPages(GFP_KERNEL, i % 4, { owner, cpu: i % 2 });
    if (pfn.ok) live.push([pfn.value, i % 4]);
    const oldest = live.shift();
    if (i % 3 === 0 && oldest !== undefined) machine.buddy.freePages(oldest[0], oldest[1], i % 2);
    else if (oldest !== undefined) live.unshift(oldest);
  }
}

describe('Machine', () => {
  it('boots the default sim machine with the cma=16M area named reserved at the top of memory', () => {
    const machine = boot(config(256 * 2 ** 20, 'cma=16M'));
    expect(machine.layout.cma).toEqual([{ name: 'reserved', pfnStart: 61440, pfnEnd: 65536, orderPerBit: 0 }]);
    expect(machine.buddy.totalCmaPages).toBe(4096);
    expect(machine.buddy.nrFreeCmaPages()).toBe(4096);
  });

  it('refuses a CMA area that cannot be placed, naming the area and the errno', () => {
    const parsed = parseMachineConfig({
      banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }],
      cma: { areas: [{ name: 'huge', size: '128M' }] },
    }, 'm.json');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const machine = Machine.create(parsed.value, createEnv(1), 'm.json');
    expect(machine.ok).toBe(false);
    if (machine.ok) return;
    expect(machine.errno).toBe('EINVAL');
    expect(machine.detail).toMatch(/^m\.json: cma\.areas\[0\] \(huge\): EINVAL: /);
    expect(machine.detail).not.toContain('\n');
  });

  it('refuses a cma= the layout cannot satisfy, naming the command line', () => {
    const machine = Machine.create(config(64 * 2 ** 20, 'cma=128M'), createEnv(1), 'sim');
    expect(machine.ok).toBe(false);
    if (!machine.ok) expect(machine.detail).toMatch(/^sim: cmdline "cma=128M": E[A-Z]+: /);
  });

  it('gives the same state hash for the same config, seed and operations, and a different one otherwise', () => {
    const c = config(64 * 2 ** 20, 'cma=8M');
    const a = boot(c);
    const b = boot(c);
    workload(a);
    workload(b);
    expect(a.stateHash()).toBe(b.stateHash());
    const untouched = boot(c);
    expect(untouched.stateHash()).not.toBe(a.stateHash());
  });

  it('tick advances virtual time and runs the background workers in registration order', () => {
    const machine = boot(config(32 * 2 ** 20));
    const seen: string[] = [];
    machine.workers.register({ name: 'first', run: (now, elapsed) => seen.push(`first@${now}+${elapsed}`) });
    machine.workers.register({ name: 'second', run: (now) => seen.push(`second@${now}`) });
    const before = machine.stateHash();
    machine.tick(5);
    machine.tick();
    expect(seen).toEqual(['first@5+5', 'second@5', 'first@1000005+1000000', 'second@1000005']);
    expect(machine.env.clock.nowNs()).toBe(1_000_005);
    expect(machine.stateHash()).not.toBe(before);
  });

  it('two machines in one process never interfere', () => {
    const c = config(32 * 2 ** 20);
    const a = boot(c);
    const b = boot(c);
    const owner = a.owners.register('test', 'a');
    expect(a.buddy.allocPages(GFP_KERNEL, 5, { owner }).ok).toBe(true);
    expect(b.buddy.nrFreePages() + b.buddy.pcpPages()).toBe(b.buddy.managedPages());
    expect(a.buddy.nrFreePages() + a.buddy.pcpPages()).toBe(a.buddy.managedPages() - 32);
  });
});
