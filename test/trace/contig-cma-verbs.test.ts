// The contig and CMA `sim` verbs end to end on the default sim machine: outputs, handles, argument errors, and a state hash that sees the new layers.
import { describe, expect, it } from 'vitest';
import { SIM_SEED } from '../../src/cli/commands/sim.ts';
import { createMachineTarget, type MachineTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';
import { runLines, simTarget } from './trace-fixtures.ts';

const target = (cmdline = 'cma=16M', memMiB = 256): MachineTarget => simTarget({ cmdline, memMiB, seed: SIM_SEED });
const run = (text: string, on: MachineTarget = target()): { stdout: string[]; stderr: string } => runLines([text], on);

describe('contig and CMA sim verbs', () => {
  it('maps, writes, reads, pins and unmaps user memory', () => {
    const { stdout } = run([
      'sim user-map 40 as=app',
      'sim user-write app 5 77',
      'sim user-read app 5',
      'sim pin app 0 4 longterm as=lp',
      'sim pin app 10',
      'sim unpin pin1',
      'sim unpin lp',
      'sim user-info app',
      'sim lru-drain',
      'sim user-unmap app',
      'sim check',
    ].join('\n'));
    expect(stdout[0]).toBe('1 ok app pages=40 in_cma=0');
    expect(stdout[2]).toMatch(/^3 tag=77 pfn=\d+$/);
    expect(stdout.slice(3, 7)).toEqual(['4 ok lp pinned=4 migrated=0', '5 ok pin1 pinned=1 migrated=0', '6 ok', '7 ok']);
    expect(stdout[7]).toMatch(/^8 pages=40 backing=anon in_cma=0 first_pfn=\d+$/);
    expect(stdout.slice(8)).toEqual(['9 ok pending=0', '10 ok', '11 ok']);
  });

  it('allocates and frees contiguous ranges, CMA ranges, bulk chunks and device memory', () => {
    const { stdout, stderr } = run([
      'sim contig-range 61440 61952 cma',
      'sim contig-range 61952 62464',
      'sim contig-free c1',
      'sim contig-pages 512 fast as=big',
      'sim contig-free big',
      'sim cma-alloc reserved 100 4 as=a',
      'sim cma-bulk reserved 9 20',
      'sim cma-release cma1',
      'sim cma-release a',
      'sim cma-info reserved',
      'sim device-alloc nodev 5',
      'sim check',
    ].join('\n'));
    expect(stdout).toEqual([
      '1 ok c1 pfn=61440 pages=512 migrated=0 rounds=0',
      '2 err EBUSY',
      '3 ok in_use=0',
      expect.stringMatching(/^4 ok big pfn=\d+ pages=512$/),
      '5 ok in_use=0',
      '6 ok a pfn=61440 tries=1',
      '7 partial cma1 nr_allocated=7 ret=EBUSY',
      '8 ok',
      '9 ok',
      '10 base_pfn=61440 count=4096 order_per_bit=0 used=0 maxchunk=4096 success=100 fail=0 released=3684',
      '11 err ENODEV',
      '12 ok',
    ]);
    expect(stderr).toContain('sim contig-range: ');
    expect(stderr).toContain('sim device-alloc: no device named "nodev"');
  });

  it('arms faults, compacts and shows pageblock types', () => {
    const { stdout } = run(['sim fault transient_pin 3', 'sim fault migrate', 'sim compact 9', 'sim pageblock 61440', 'sim pageblock 0'].join('\n'));
    expect(stdout).toEqual(['1 ok transient_pin armed=3', '2 ok migrate armed=1', '3 ok migrated=0 rebuilt=0', '4 mt=CMA', '5 mt=Movable']);
  });

  it('checks arguments before anything runs, naming the usage', () => {
    const on = target();
    const bad = loadTrace('sim cma-bulk reserved x 3\n', 'bad.trace', on.sim);
    expect(bad.ok ? 'ok' : bad.detail).toMatch(/ORDER must be a number.*usage: sim cma-bulk AREA ORDER NR \[ALIGN_ORDER\] \[fast\] \[as=NAME\]/);
    const fault = loadTrace('sim fault nosuch 1\n', 'bad.trace', on.sim);
    expect(fault.ok ? 'ok' : fault.detail).toMatch(/unknown fault site "nosuch"/);
  });

  it('the state hash covers user memory and CMA bitmaps', () => {
    const a = target('cma=8M', 64);
    const b = target('cma=8M', 64);
    expect(a.machine.stateHash()).toBe(b.machine.stateHash());
    run('sim cma-alloc reserved 1\n', a);
    expect(a.machine.stateHash()).not.toBe(b.machine.stateHash());
    run('sim cma-alloc reserved 1\n', b);
    expect(a.machine.stateHash()).toBe(b.machine.stateHash());
    const c = createMachineTarget(a.machine);
    expect(c.sim.has('user-map') && c.sim.has('cma-alloc')).toBe(true);
  });
});
