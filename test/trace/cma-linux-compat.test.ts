// Golden annotated transcripts of the Linux-compatible CMA debugfs statements on the default `pagelab sim` machine
// (256 MiB, cma=16M: area `reserved` at base_pfn 61440, 4096 pages, order_per_bit 0, so 4096 bits in 128 u32 words).
// Every expected rc and every used/maxchunk/bitmap value below is derived by hand from Linux 6.1 (mm/cma.c cma_alloc
// first fit, mm/cma_debug.c cma_alloc_mem/cma_free_mem, fs/libfs.c simple_attr_write + lib/kstrtox.c kstrtoull,
// fs/debugfs/file.c u32 arrays); the comment on each line says why. On an idle machine every alloc_contig_range
// succeeds, so only the bitmap decides.
import { describe, expect, it } from 'vitest';
import { SIM_SEED } from '../../src/cli/commands/sim.ts';
import { defaultMachineConfig } from '../../src/machine/config.ts';
import { createMachineTraceTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';
import { runTrace } from '../../src/trace/run.ts';
import { formatTranscript } from '../../src/trace/transcript.ts';

const D = '/sys/kernel/debug/cma/reserved';
const FULL = 4294967295;

/** `cat bitmap`: 128 u32 words, all 0 except the given word indices. */
function bitmap(words: Record<number, number> = {}): string {
  return Array.from({ length: 128 }, (_, i) => String(words[i] ?? 0)).join(' ');
}

/** Runs `lines` (one statement each, `// comment` stripped) on the default sim machine; returns the annotated transcript lines. */
function annotate(lines: readonly string[]): string[] {
  const config = defaultMachineConfig({ memBytes: 256 * 2 ** 20, cmdline: 'cma=16M' });
  if (!config.ok) throw new Error(config.detail);
  const target = createMachineTraceTarget(config.value, SIM_SEED);
  if (!target.ok) throw new Error(target.detail);
  const text = lines.map((line) => line.replace(/\s*\/\/.*$/, '')).join('\n');
  const statements = loadTrace(`${text}\n`, 'golden.trace', target.value.sim);
  if (!statements.ok) throw new Error(statements.detail);
  return formatTranscript(runTrace(statements.value, target.value), 'annotated').stdout.trimEnd().split('\n');
}

/** Pairs each statement with its expected annotation and checks the whole transcript. */
function golden(steps: readonly (readonly [string, string])[]): void {
  const expected = steps.map(([, out], i) => `${i + 1} ${out}`.trimEnd());
  expect(annotate(steps.map(([statement]) => statement))).toEqual(expected);
}

describe('Linux 6.1 CMA debugfs transcripts on 256M with cma=16M', () => {
  it('reads an idle area, allocates odd sizes first-fit, refuses 0, 4097 and a whole area that no longer fits, frees everything', () => {
    golden([
      [`cat ${D}/base_pfn`, '61440'],                    // 240 MiB / 4 KiB: cma=16M placed at the top of 256 MiB
      [`cat ${D}/count`, '4096'],                        // 16 MiB of 4 KiB pages
      [`cat ${D}/order_per_bit`, '0'],                   // the cma= area always has order_per_bit 0
      [`cat ${D}/used`, '0'],
      [`cat ${D}/maxchunk`, '4096'],                     // one clear run over all 4096 bits
      [`cat ${D}/bitmap`, bitmap()],                     // DIV_ROUND_UP(4096, 32) = 128 words
      [`echo 0 > ${D}/alloc`, 'rc=1'],                   // cma_alloc(count 0) returns NULL → -ENOMEM
      [`echo 1 > ${D}/alloc`, 'rc=0'],                   // bit 0
      [`echo 3 > ${D}/alloc`, 'rc=0'],                   // bits 1..3
      [`cat ${D}/used`, '4'],
      [`cat ${D}/maxchunk`, '4092'],                     // bits 4..4095
      [`cat ${D}/bitmap`, bitmap({ 0: 15 })],            // word 0 = 0b1111
      [`echo 33 > ${D}/alloc`, 'rc=0'],                  // bits 4..36
      [`cat ${D}/bitmap`, bitmap({ 0: FULL, 1: 31 })],   // word 0 full; word 1 bits 32..36 = 0b11111
      [`cat ${D}/used`, '37'],
      [`echo 4097 > ${D}/alloc`, 'rc=1'],                // bitmap_count 4097 > maxno 4096: NULL before any search
      [`echo 4096 > ${D}/alloc`, 'rc=1'],                // only 4059 clear bits left: no window
      [`cat ${D}/used`, '37'],                           // failed attempts leave the bitmap alone
      [`echo 10 > ${D}/free`, 'rc=0'],                   // head {bit 4, 33}: 33 > 10 and opb 0 → release bits 4..13, keep {14, 23}
      [`cat ${D}/bitmap`, bitmap({ 0: 4294950927, 1: 31 })], // word 0 = bits 0..3 and 14..31 = 0xffffc00f
      [`cat ${D}/used`, '27'],                           // 4 + 23
      [`cat ${D}/maxchunk`, '4059'],                     // hole 4..13 (10) < tail 37..4095 (4059)
      [`echo 11 > ${D}/alloc`, 'rc=0'],                  // 11 bits do not fit the 10-bit hole: bits 37..47
      [`cat ${D}/bitmap`, bitmap({ 0: 4294950927, 1: 65535 })], // word 1 = bits 32..47
      [`echo 10 > ${D}/alloc`, 'rc=0'],                  // first fit: exactly the hole 4..13
      [`cat ${D}/bitmap`, bitmap({ 0: FULL, 1: 65535 })],
      [`cat ${D}/used`, '48'],                           // 27 + 11 + 10
      [`cat ${D}/maxchunk`, '4048'],                     // 48..4095
      [`echo 100 > ${D}/free`, 'rc=0'],                  // LIFO: 10, 11, 23, 3, 1 released (48 ≤ 100), list empty, rc 0
      [`cat ${D}/used`, '0'],
      [`cat ${D}/maxchunk`, '4096'],
      [`echo 4096 > ${D}/alloc`, 'rc=0'],                // the whole area
      [`cat ${D}/used`, '4096'],
      [`cat ${D}/maxchunk`, '0'],
      [`cat ${D}/bitmap`, Array.from({ length: 128 }, () => String(FULL)).join(' ')],
      [`echo 1 > ${D}/alloc`, 'rc=1'],                   // no clear bit left
      [`echo 4096 > ${D}/free`, 'rc=0'],
      [`cat ${D}/used`, '0'],
    ]);
  });

  it('parses writes like simple_attr_write + kstrtoull(base 0) and truncates to int like cma_alloc_write', () => {
    golden([
      [`echo 4294967297 > ${D}/alloc`, 'rc=0'],          // 2^32 + 1 → int 1: bit 0
      [`echo 0x10 > ${D}/alloc`, 'rc=0'],                // hex 16: bits 1..16
      [`echo 010 > ${D}/alloc`, 'rc=0'],                 // octal 8: bits 17..24
      [`cat ${D}/used`, '25'],
      [`echo abc > ${D}/alloc`, 'rc=1'],                 // no digits: -EINVAL
      [`echo -1 > ${D}/alloc`, 'rc=1'],                  // kstrtoull takes no '-': -EINVAL
      [`echo 4294967295 > ${D}/alloc`, 'rc=1'],          // int -1 → count 2^64 - 1 > maxno: NULL
      [`echo 2147483648 > ${D}/alloc`, 'rc=1'],          // int -2^31 → count 2^64 - 2^31: NULL
      [`echo 99999999999999999999 > ${D}/alloc`, 'rc=1'], // above 2^64 - 1: -ERANGE
      [`echo 0x > ${D}/alloc`, 'rc=1'],                  // "0x" without a hex digit: octal 0, then "x": -EINVAL
      [`echo 08 > ${D}/alloc`, 'rc=1'],                  // octal stops at 8: trailing "8": -EINVAL
      [`echo +5 > ${D}/alloc`, 'rc=0'],                  // one leading '+' is allowed: bits 25..29
      [`echo 5 5 > ${D}/alloc`, 'rc=1'],                 // "5 5\\n": trailing text: -EINVAL
      [`echo -n 2 > ${D}/alloc`, 'rc=0'],                // no newline needed: bits 30..31
      [`cat ${D}/used`, '32'],
      [`cat ${D}/bitmap`, bitmap({ 0: FULL })],
      [`echo 0 > ${D}/free`, 'rc=0'],                    // while (count) never runs
      [`echo xyz > ${D}/free`, 'rc=1'],                  // parse error: -EINVAL
      [`echo -3 > ${D}/free`, 'rc=1'],
      [`echo 4294967295 > ${D}/free`, 'rc=0'],           // int -1: `mem->n <= count` is unsigned, every entry goes
      [`cat ${D}/used`, '0'],
      [`echo 000000000000000000000000005 > ${D}/alloc`, 'rc=1'], // only 23 bytes are parsed: 23 zeros = 0 → NULL
      [`echo 00000000000000000000005 > ${D}/alloc`, 'rc=0'],     // 23 characters: octal 5
      [`cat ${D}/used`, '5'],
    ]);
  });

  it('partial frees split the newest allocation (opb 0) and later allocations skip holes that are too small', () => {
    golden([
      [`echo 100 > ${D}/alloc`, 'rc=0'],                 // bits 0..99
      [`echo 50 > ${D}/alloc`, 'rc=0'],                  // bits 100..149
      [`echo 60 > ${D}/free`, 'rc=0'],                   // {100, 50} whole (10 left), then first 10 of {0, 100} → keep {10, 90}
      [`cat ${D}/used`, '90'],
      [`cat ${D}/bitmap`, bitmap({ 0: 4294966272, 1: FULL, 2: FULL, 3: 15 })], // bits 10..99: 0xfffffc00, ..., bits 96..99
      [`cat ${D}/maxchunk`, '3996'],                     // hole 0..9 (10) < tail 100..4095 (3996)
      [`echo 20 > ${D}/alloc`, 'rc=0'],                  // hole 0..9 too small: bits 100..119
      [`echo 5 > ${D}/alloc`, 'rc=0'],                   // fits the hole: bits 0..4
      [`cat ${D}/bitmap`, bitmap({ 0: 4294966303, 1: FULL, 2: FULL, 3: 16777215 })], // 0xfffffc1f; word 3 bits 96..119
      [`cat ${D}/used`, '115'],
      [`cat ${D}/maxchunk`, '3976'],                     // 120..4095
      [`echo 3 > ${D}/free`, 'rc=0'],                    // head {0, 5}: release bits 0..2, keep {3, 2}
      [`cat ${D}/bitmap`, bitmap({ 0: 4294966296, 1: FULL, 2: FULL, 3: 16777215 })], // 0xfffffc18
      [`echo 2 > ${D}/free`, 'rc=0'],                    // head {3, 2} released whole
      [`echo 1 > ${D}/free`, 'rc=0'],                    // head {100, 20}: release bit 100, keep {101, 19}
      [`cat ${D}/bitmap`, bitmap({ 0: 4294966272, 1: FULL, 2: FULL, 3: 16777199 })], // word 3: bits 96..99 and 101..119 = 0xffffef
      [`cat ${D}/used`, '109'],                          // 90 + 19
      [`cat ${D}/maxchunk`, '3976'],
      [`echo 2 > ${D}/alloc`, 'rc=0'],                   // bits 0..1
      [`echo 1 > ${D}/alloc`, 'rc=0'],                   // bit 2
      [`echo 8 > ${D}/alloc`, 'rc=0'],                   // holes 3..9 (7) and 100 (1) too small: bits 120..127
      [`cat ${D}/bitmap`, bitmap({ 0: 4294966279, 1: FULL, 2: FULL, 3: 4294967279 })], // 0xfffffc07; word 3 all but bit 100 = 0xffffffef
      [`cat ${D}/used`, '120'],
      [`cat ${D}/maxchunk`, '3968'],                     // 128..4095
    ]);
  });

  it('fails reads of write-only files, writes of read-only ones and paths that do not exist, as the shell reports them', () => {
    golden([
      [`cat ${D}/alloc`, ''],                            // mode 0200: simple_attr_read -EACCES, nothing on stdout
      [`echo 1 > ${D}/used`, 'rc=1'],                    // simple_attr_write -EACCES
      [`echo 1 > ${D}/bitmap`, 'rc=1'],                  // u32 array fops without .write: -EINVAL
      [`echo 1 > ${D}/nosuch`, 'rc=1'],                  // debugfs cannot create files
      [`cat /sys/kernel/debug/cma/nosuch/used`, ''],
      [`cat ${D}/used`, '0'],                            // none of the above changed anything
    ]);
  });
});
