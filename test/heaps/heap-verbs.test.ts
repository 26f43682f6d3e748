// The heap, shrinker and pressure sim verbs end to end through the trace runner: buffers kept across statements, dup/close, maps with access modes, writes and reads, attachments, pools, pressure, shrink, fatal.
import { describe, expect, it } from 'vitest';
import { createEnv } from '../../src/env/env.ts';
import { parseMachineConfig } from '../../src/machine/config.ts';
import { Machine } from '../../src/machine/machine.ts';
import { createMachineTarget, type MachineTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';
import { runTrace } from '../../src/trace/run.ts';
import { formatTranscript } from '../../src/trace/transcript.ts';

function target(heaps?: unknown): MachineTarget {
  const raw = { banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], ...(heaps === undefined ? {} : { heaps }) };
  const config = parseMachineConfig(raw, 'verbs');
  if (!config.ok) throw new Error(config.detail);
  const machine = Machine.create(config.value, createEnv('verbs'));
  if (!machine.ok) throw new Error(machine.detail);
  return createMachineTarget(machine.value);
}

function run(lines: readonly string[], t: MachineTarget = target()): { stdout: string[]; stderr: string } {
  const loaded = loadTrace(lines.join('\n'), 't.trace', t.sim);
  if (!loaded.ok) throw new Error(loaded.detail);
  const out = formatTranscript(runTrace(loaded.value, t), 'annotated');
  return { stdout: out.stdout.trimEnd().split('\n'), stderr: out.stderr };
}

describe('heap sim verbs', () => {
  it('keep a buffer across statements, write and read through a mapping, and release on the last reference', () => {
    const { stdout } = run([
      'sim heap-alloc system 1088K as=x',
      'sim buf-map x rw pages=17 off=255 as=mx',
      'sim buf-write mx off=1 pages=2',
      'sim buf-read mx',
      'sim buf-dup x as=y',
      'sim buf-close x',
      'sim buf-stat y',
      'sim buf-unmap mx',
      'sim buf-close y',
      'sim buf-stat y',
      'sim buf-map x',
      'sim buf-read mx',
    ]);
    expect(stdout).toEqual([
      '1 ok x len=1114112 chunks=2 orders=8:1,4:1',
      '2 ok mx pages=17',
      '3 ok tag=1 pages=2',
      '4 ok zero=0 pages=17 dirty=2 tag=1',
      '5 ok y',
      '6 ok refs=2',
      '7 heap=system len=1114112 refs=2 fds=1 maps=1 attach=0 released=0',
      '8 ok refs=1',
      '9 ok refs=0',
      '10 heap=system len=1114112 refs=0 fds=0 maps=0 attach=0 released=1',
      '11 err EBADF',
      '12 err ENOENT',
    ]);
  });

  it('map access follows the fd flags: O_RDONLY maps r only, O_WRONLY nothing', () => {
    const { stdout } = run([
      'sim heap-alloc system 4096 0 as=ro',
      'sim buf-map ro r',
      'sim buf-map ro rw',
      'sim heap-alloc system 4096 1 as=wo',
      'sim buf-map wo w',
      'sim buf-write m1',
    ]);
    expect(stdout).toEqual(['1 ok ro len=4096 chunks=1 orders=0:1', '2 ok m1 pages=1', '3 err EACCES', '4 ok wo len=4096 chunks=1 orders=0:1', '5 err EACCES', '6 err EFAULT']);
  });

  it('attachments hold a reference; heap errors and unknown heaps print err', () => {
    const { stdout } = run([
      'sim heap-alloc system 8K as=b',
      'sim buf-attach b gpu as=g',
      'sim buf-close b',
      'sim buf-detach g',
      'sim heap-alloc system 0',
      'sim heap-alloc nosuch 4096',
      'sim heaps',
    ]);
    expect(stdout).toEqual(['1 ok b len=8192 chunks=2 orders=0:2', '2 ok g', '3 ok refs=1', '4 ok refs=0', '5 err EINVAL', '6 err ENOENT', '7 system']);
  });

  it('fatal arms the fatal-signal site: the next system-heap allocation is EINTR and keeps nothing', () => {
    const { stdout } = run(['sim fatal', 'sim heap-alloc system 1M', 'sim heap-alloc system 1M', 'sim fatal 0']);
    expect(stdout).toEqual(['1 ok armed=1', '2 err EINTR', '3 ok b1 len=1048576 chunks=1 orders=8:1', '4 ok armed=0']);
  });

  it('pool-stat, shrink and pressure see the pools and the deferred list', () => {
    const t = target({ system: { pool: 'shrinker', deferredFree: true } });
    const { stdout } = run([
      'sim heap-alloc system 1M as=a',
      'sim heap-alloc system 64K as=b',
      'sim buf-close a',
      'sim buf-close b',
      'sim pool-stat',
      'sim tick',
      'sim pool-stat',
      'sim shrink dmabuf-page-pool 16',
      'sim pressure 1000',
      'sim pool-stat',
      'sim shrink nosuch 1',
    ], t);
    expect(stdout).toEqual([
      '1 ok a len=1048576 chunks=1 orders=8:1',
      '2 ok b len=65536 chunks=1 orders=4:1',
      '3 ok refs=0',
      '4 ok refs=0',
      '5 heap system pools=shrinker/ion pages=0 heap system deferred items=2 pages=272 shrinker dmabuf-deferred-free count=272 shrinker dmabuf-page-pool count=0',
      '6 ok now=1000000',
      '7 heap system pools=shrinker/ion pages=272 cached/o8=1 cached/o4=1 heap system deferred items=0 pages=0 shrinker dmabuf-deferred-free count=0 shrinker dmabuf-page-pool count=272',
      '8 ok freed=16 count=272 after=256',
      '9 ok asked=1000 freed=256 priority=0',
      '10 heap system pools=shrinker/ion pages=0 heap system deferred items=0 pages=0 shrinker dmabuf-deferred-free count=0 shrinker dmabuf-page-pool count=0',
      '11 err ENOENT',
    ]);
  });

  it('shrink without a name walks every shrinker until the target is met; CPA pools show in pool-stat', () => {
    const t = target({ cpa: [{ name: 'cpa', lowmark: 1, fillmark: 2, highmark: 4 }] });
    const { stdout } = run(['sim tick', 'sim pool-stat', 'sim shrink 600', 'sim pool-stat'], t);
    expect(stdout).toEqual([
      '1 ok now=1000000',
      '2 heap system pools=none pages=0 heap cpa blocks=2 low=1 fill=2 high=4 refill=0 shrinker cpa-pool:cpa count=1024',
      '3 ok freed=1024',
      '4 heap system pools=none pages=0 heap cpa blocks=0 low=1 fill=2 high=4 refill=0 shrinker cpa-pool:cpa count=0',
    ]);
  });

  it('rejects bad arguments before anything runs', () => {
    const t = target();
    for (const bad of ['sim heap-alloc system', 'sim heap-alloc system 12Q', 'sim buf-map x rx', 'sim pressure', 'sim shrink a b c', 'sim fatal x', 'sim heap-alloc system 1 2 3 4']) {
      expect(loadTrace(bad, 't.trace', t.sim).ok, bad).toBe(false);
    }
    expect(loadTrace('sim heap-alloc system 0x10000000000000000', 't.trace', t.sim).ok).toBe(false);
  });
});
