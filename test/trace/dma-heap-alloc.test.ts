// Golden transcript of `dma-heap-alloc` against the system heap on the default sim machine (256 MiB, cma=16M): what Linux 6.1 prints, with the one documented divergence (the half-of-RAM cap).
import { describe, expect, it } from 'vitest';
import { defaultMachineConfig } from '../../src/machine/config.ts';
import { createMachineTraceTarget, type MachineTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';
import { runTrace } from '../../src/trace/run.ts';
import { formatTranscript } from '../../src/trace/transcript.ts';

function target(): MachineTarget {
  const config = defaultMachineConfig({ memBytes: 256 * 2 ** 20, cmdline: 'cma=16M' });
  if (!config.ok) throw new Error(config.detail);
  const built = createMachineTraceTarget(config.value, 'golden');
  if (!built.ok) throw new Error(built.detail);
  return built.value as MachineTarget;
}

/** Each case: the statement and the annotated line Linux 6.1 prints (annotated numbering added below). */
const GOLDEN: readonly (readonly [string, string, string])[] = [
  ['dma-heap-alloc system 1', 'ok len=4096 zero=1', 'one byte is one page'],
  ['dma-heap-alloc system 4096', 'ok len=4096 zero=1', 'exactly one page'],
  ['dma-heap-alloc system 4097', 'ok len=8192 zero=1', 'PAGE_ALIGN rounds up'],
  ['dma-heap-alloc system 1048576', 'ok len=1048576 zero=1', 'one order-8 chunk'],
  ['dma-heap-alloc system 10485761', 'ok len=10489856 zero=1', '10 MiB + 1 = 10 order-8 chunks + 1 page'],
  ['dma-heap-alloc system 0', 'err EINVAL', 'len 0: PAGE_ALIGN(0) == 0'],
  ['dma-heap-alloc system 18446744073709551615', 'err EINVAL', '2^64-1 wraps to 0'],
  ['dma-heap-alloc system 0xfffffffffffff001', 'err EINVAL', '2^64-4095 wraps to 0'],
  ['dma-heap-alloc system 0xfffffffffffff000', 'err ENOMEM', '2^64-4096 does not wrap: ENOMEM from the half-of-RAM cap (documented divergence)'],
  ['dma-heap-alloc system 4096 0x1000', 'err EINVAL', 'O_DSYNC is outside O_CLOEXEC|O_ACCMODE'],
  ['dma-heap-alloc system 4096 0x80001', 'ok len=4096 mmap=EACCES', 'O_WRONLY: a mapping needs FMODE_READ'],
  ['dma-heap-alloc system 4096 0x80003', 'ok len=4096 mmap=EACCES', 'O_ACCMODE: OPEN_FMODE gives neither read nor write'],
  ['dma-heap-alloc system 4096 0', 'ok len=4096 zero=1', 'O_RDONLY maps for reading'],
  ['dma-heap-alloc system 4096 2', 'ok len=4096 zero=1', 'O_RDWR without O_CLOEXEC'],
  ['dma-heap-alloc system 4096 0x80002 1', 'err EINVAL', 'no heap flag is valid'],
  ['dma-heap-alloc nosuch 4096', 'err ENOENT', 'no /dev/dma_heap/nosuch'],
  ['dma-heap-alloc nosuch 0 0x1000 1', 'err ENOENT', 'open fails before the ioctl checks anything'],
];

describe('dma-heap-alloc golden transcript (system heap, 256 MiB, cma=16M)', () => {
  it('prints what Linux 6.1 prints', () => {
    const t = target();
    const loaded = loadTrace(GOLDEN.map(([statement]) => statement).join('\n'), 'golden.trace', t.sim);
    if (!loaded.ok) throw new Error(loaded.detail);
    const out = formatTranscript(runTrace(loaded.value, t), 'annotated');
    expect(out.stdout.trimEnd().split('\n')).toEqual(GOLDEN.map(([, expected], i) => `${i + 1} ${expected}`));
    expect(out.stderr).toBe('');
  });

  it('gives every page back: the machine is back to its free state after the probes', () => {
    const t = target();
    const before = t.machine.buddy.nrFreePages() + t.machine.buddy.pcpPages();
    const loaded = loadTrace(GOLDEN.map(([statement]) => statement).join('\n'), 'golden.trace', t.sim);
    if (!loaded.ok) throw new Error(loaded.detail);
    runTrace(loaded.value, t);
    expect(t.machine.buddy.nrFreePages() + t.machine.buddy.pcpPages()).toBe(before);
    expect(t.machine.heaps.buffers.live()).toEqual([]);
  });

  it('a failing probe has status 1, a succeeding one status 0', () => {
    const t = target();
    const loaded = loadTrace('dma-heap-alloc system 0\ndma-heap-alloc system 4096 1', 'golden.trace', t.sim);
    if (!loaded.ok) throw new Error(loaded.detail);
    expect(runTrace(loaded.value, t).map((line) => line.status)).toEqual([1, 0]);
  });
});
