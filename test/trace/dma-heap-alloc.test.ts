// Golden transcripts of `dma-heap-alloc` against the system heap and the CMA heap `reserved` on the default sim machine (256 MiB, cma=16M): what Linux 6.1 prints, with the one documented divergence (the system heap's half-of-RAM cap).
import { describe, expect, it } from 'vitest';
import { loadTrace } from '../../src/trace/parse.ts';
import { runTrace } from '../../src/trace/run.ts';
import { formatTranscript } from '../../src/trace/transcript.ts';
import type { MachineTarget } from '../../src/trace/machine-target.ts';
import { simTarget } from './trace-fixtures.ts';

const target = (): MachineTarget => simTarget({ seed: 'golden' });

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

// The CMA heap `reserved` on the same machine. cma=16M places the area top-down under 256 MiB: base
// 240 MiB = pfn 61440, a multiple of 256, so bitmap bit b is pfn 61440 + b and every 256-bit boundary is a
// 1 MiB-aligned PFN (cma_bitmap_aligned_offset = 0). The area has 4096 bits (order_per_bit 0). 6.1
// cma_heap_allocate asks cma_alloc(pagecount = PAGE_ALIGN(len) / 4096, align = min(get_order(size), 8)).
const GOLDEN_RESERVED: readonly (readonly [string, string, string])[] = [
  ['dma-heap-alloc reserved 1', 'ok len=4096 zero=1', '1 page, get_order 0: align 0, bit 0'],
  ['dma-heap-alloc reserved 4096', 'ok len=4096 zero=1', 'exactly one page'],
  ['dma-heap-alloc reserved 4097', 'ok len=8192 zero=1', '2 pages, align 1'],
  ['dma-heap-alloc reserved 1048576', 'ok len=1048576 zero=1', '256 pages, get_order 8: align 8, bit 0'],
  ['dma-heap-alloc reserved 16777216', 'ok len=16777216 zero=1', 'the whole area: 4096 pages, get_order 12 capped to 8; the only window is bit 0 and it fits exactly'],
  ['dma-heap-alloc reserved 16777217', 'err ENOMEM', '4097 pages need 4097 bits > maxno 4096: cma_alloc fails before searching'],
  ['dma-heap-alloc reserved 15728641', 'ok len=15732736 zero=1', '15 MiB + 1 byte = 3841 pages, get_order 12 -> align 8; bit 0 + 3841 <= 4096 still fits'],
  ['dma-heap-alloc reserved 0xfffffffffffff000', 'err ENOMEM', '2^52 - 1 pages > 4096 bits; no half-RAM cap involved, 6.1 prints the same'],
  ['sim heap-alloc reserved 1 as=b1', 'ok b1 len=4096 chunks=1 orders=0:1', 'kept open: bit 0 (the page array is the sg list)'],
  ['sim heap-alloc reserved 8M as=b2', 'ok b2 len=8388608 chunks=2048 orders=0:2048', '2048 pages, align 8: bit 0 is busy, next window 256: bits 256..2303'],
  ['sim heap-alloc reserved 4K as=b3', 'ok b3 len=4096 chunks=1 orders=0:1', 'align 0: first clear bit, 1'],
  ['cat /sys/kernel/debug/cma/reserved/used', '2050', '1 + 2048 + 1 pages held'],
  ['dma-heap-alloc reserved 7340032', 'ok len=7340032 zero=1', '7 MiB = 1792 pages, align 8: windows 0 and 256..2048 are busy, 2304 + 1792 = 4096 fits exactly'],
  ['dma-heap-alloc reserved 7340033', 'err ENOMEM', '1793 pages: 2304 + 1793 > 4096 and no other 1 MiB-aligned hole, though 254 + 1792 = 2046 pages are free'],
  ['dma-heap-alloc reserved 524288', 'ok len=524288 zero=1', '128 pages, align 7: bits 128..255 lie in the small hole 2..255'],
  ['cat /sys/kernel/debug/cma/reserved/used', '2050', 'every probe gave its pages back'],
  ['sim buf-close b2', 'ok refs=0', 'releases bits 256..2303'],
  ['dma-heap-alloc reserved 7340033', 'ok len=7344128 zero=1', 'now window 256 has 3840 clear bits'],
  ['sim buf-close b1', 'ok refs=0', ''],
  ['sim buf-close b3', 'ok refs=0', ''],
  ['dma-heap-alloc reserved 0', 'err EINVAL', 'len 0: PAGE_ALIGN(0) == 0, before the heap runs'],
  ['dma-heap-alloc reserved 18446744073709551615', 'err EINVAL', '2^64 - 1 wraps to 0'],
  ['dma-heap-alloc reserved 4096 0x1000', 'err EINVAL', 'O_DSYNC is outside O_CLOEXEC|O_ACCMODE'],
  ['dma-heap-alloc reserved 4096 0x80002 1', 'err EINVAL', 'no heap flag is valid'],
  ['dma-heap-alloc reserved 4096 0x80001', 'ok len=4096 mmap=EACCES', 'O_WRONLY: a mapping needs FMODE_READ'],
  ['cat /sys/kernel/debug/cma/reserved/used', '0', 'the area is empty again'],
];

describe('dma-heap-alloc golden transcript (CMA heap reserved, 256 MiB, cma=16M)', () => {
  it('prints what Linux 6.1 prints', () => {
    const t = target();
    const loaded = loadTrace(GOLDEN_RESERVED.map(([statement]) => statement).join('\n'), 'golden.trace', t.sim);
    if (!loaded.ok) throw new Error(loaded.detail);
    const out = formatTranscript(runTrace(loaded.value, t), 'annotated');
    expect(out.stdout.trimEnd().split('\n')).toEqual(GOLDEN_RESERVED.map(([, expected], i) => `${i + 1} ${expected}`));
    expect(out.stderr).toBe('');
    expect(t.machine.cma.defaultArea?.basePfn).toBe(61440);
    expect(t.machine.heaps.buffers.live()).toEqual([]);
  });
});

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
