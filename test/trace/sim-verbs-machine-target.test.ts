// The machine trace target's sim-verb plumbing: automatic handle names and owner labels when as= is absent, page-allocation handle errors, HandleTable misuse, sorted help, and boot errors naming their source.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { err } from '../../src/base/errno.ts';
import { defaultMachineConfig } from '../../src/machine/config.ts';
import { HandleTable } from '../../src/trace/handles.ts';
import { createMachineTraceTarget } from '../../src/trace/machine-target.ts';
import { handleOption } from '../../src/trace/verb-args.ts';
import { runLines, simTarget } from './trace-fixtures.ts';

describe('as= absent', () => {
  it('handleOption gives no name at all', () => {
    expect(handleOption(new Map())).toEqual({ ok: true, value: undefined });
    expect(handleOption(new Map([['order', '1']]))).toEqual({ ok: true, value: undefined });
  });

  it('sim alloc names the allocation p1, p2, ... and registers a test owner labelled "trace"', () => {
    const target = simTarget();
    const { stdout } = runLines(['sim alloc 0', 'sim alloc 0 as=mine', 'sim alloc 0'], target);
    // Order-0 pages come off CPU 0's per-CPU list, refilled from the first free block after the kernel reservation.
    expect(stdout).toEqual(['1 ok p1 pfn=2048 order=0', '2 ok mine pfn=2049 order=0', '3 ok p2 pfn=2050 order=0']);
    const { owners } = target.machine;
    expect([owners.kindOf(owners.count - 2), owners.labelOf(owners.count - 2)]).toEqual(['test', 'trace']);
    expect([owners.kindOf(owners.count - 1), owners.labelOf(owners.count - 1)]).toEqual(['test', 'mine']);
    expect([owners.kindOf(owners.count), owners.labelOf(owners.count)]).toEqual(['test', 'trace']);
  });
});

describe('page-allocation handles', () => {
  it('freeing a handle that is not live is ENOENT naming the page allocation handle', () => {
    const { stdout, stderr } = runLines(['sim alloc 0', 'sim free p1', 'sim free p1', 'sim free nosuch'], simTarget());
    expect(stdout).toEqual(['1 ok p1 pfn=2048 order=0', '2 ok', '3 err ENOENT', '4 err ENOENT']);
    expect(stderr).toBe('sim free: no live page allocation handle "p1"\nsim free: no live page allocation handle "nosuch"\n');
  });

  it('replacing the value of a handle that is not live is a pagelab bug naming the kind and handle', () => {
    const table = new HandleTable<number>('p', 'page allocation');
    table.put(1);
    expect(() => table.set('nope', 2)).toThrow(new AssertionError('page allocation handle "nope" is not live'));
  });
});

describe('sim help on the machine', () => {
  it('lists every verb sorted by name, help included', () => {
    const names = simTarget().sim.list().map((info) => info.verb);
    expect(names).toContain('help');
    expect(names).toContain('alloc');
    expect(names).toEqual([...names].sort());
  });
});

describe('createMachineTraceTarget', () => {
  const config = defaultMachineConfig({ memBytes: 64 * 2 ** 20, cmdline: 'cma=1G' });

  it('a cma= the layout cannot place is EINVAL naming "machine config" when no source is given', () => {
    if (!config.ok) throw new Error(config.detail);
    expect(createMachineTraceTarget(config.value, 'seed')).toEqual(err('EINVAL',
      'machine config: cmdline "cma=1G": EINVAL: cma_declare_contiguous: sizeBytes 0x40000000 at baseBytes 0x0 exceeds limitBytes 0x4000000'));
  });

  it('and naming the given source otherwise', () => {
    if (!config.ok) throw new Error(config.detail);
    expect(createMachineTraceTarget(config.value, 'seed', '--cmdline cma=1G')).toEqual(err('EINVAL',
      '--cmdline cma=1G: cmdline "cma=1G": EINVAL: cma_declare_contiguous: sizeBytes 0x40000000 at baseBytes 0x0 exceeds limitBytes 0x4000000'));
  });
});
