// The `sim help VERB` line of every heap, dma-buf, shrinker and pressure verb: the usage and the one-sentence summary a trace author reads.
import { describe, expect, it } from 'vitest';
import { runLines, simTarget } from './trace-fixtures.ts';

/** verb, usage, summary. */
const HELP: readonly (readonly [string, string, string])[] = [
  ['heap-alloc', 'heap-alloc HEAP LEN [FD_FLAGS] [as=NAME]', 'DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/HEAP (FD_FLAGS default O_RDWR|O_CLOEXEC) and keeps the fd; prints "ok NAME len=BYTES chunks=N orders=ORDER:COUNT,..."'],
  ['buf-dup', 'buf-dup NAME [as=NAME2]', 'dup(2) of a buffer fd: one more reference; prints "ok NAME2"'],
  ['buf-close', 'buf-close NAME', 'close(2) of a buffer fd; prints "ok refs=N" (0: the buffer went back to its heap)'],
  ['buf-map', 'buf-map NAME [r|w|rw] [off=PAGE] [pages=N] [as=MAP]', 'mmap(MAP_SHARED) of a buffer (default rw, the whole buffer); EACCES when the fd flags forbid it; prints "ok MAP pages=N"'],
  ['buf-unmap', 'buf-unmap MAP', 'munmap(2) of a mapping; prints "ok refs=N"'],
  ['buf-write', 'buf-write MAP [off=PAGE] [pages=N]', 'stores through a mapping (default: all of it): the pages get a fresh content tag; prints "ok tag=T pages=N"'],
  ['buf-read', 'buf-read MAP [off=PAGE] [pages=N]', 'loads through a mapping; prints "ok zero=1 pages=N", or "ok zero=0 pages=N dirty=K tag=T" naming the first non-zero tag'],
  ['buf-attach', 'buf-attach NAME [DEVICE] [as=ATT]', 'dma_buf_get + dma_buf_attach by a device (default "dev"): one more reference; prints "ok ATT"'],
  ['buf-detach', 'buf-detach ATT', 'dma_buf_detach + dma_buf_put; prints "ok refs=N"'],
  ['buf-stat', 'buf-stat NAME', 'prints a buffer\'s heap, size, references (fds, mappings, attachments) and whether it was released'],
  ['pressure', 'pressure PAGES [GFP] [kswapd] [order=N]', 'a memory-pressure event asking for PAGES back: shrinkers at priority 12..0 until met, then (with order=N) compaction for a free order-N block; prints "ok asked=N freed=F priority=P", plus " migrated=M rebuilt=B" when compaction ran'],
  ['shrink', 'shrink [NAME] PAGES', 'scan_objects with nr_to_scan=PAGES on one shrinker (as its debugfs scan file does; prints "ok freed=F count=BEFORE after=AFTER"), or on each in turn until PAGES went (prints "ok freed=F")'],
  ['fatal', 'fatal [COUNT]', 'arms the fatal_signal fault site: the next COUNT (default 1) fatal_signal_pending() checks see a SIGKILL; prints "ok armed=N"'],
  ['pool-stat', 'pool-stat', 'prints the page pools (pages, and blocks per CACHING/oORDER), the deferred-free list, CPA pools and every shrinker\'s count'],
  ['heaps', 'heaps', 'lists the heaps under /dev/dma_heap in registration order'],
];

describe('sim help for the heap verbs', () => {
  it('prints "sim USAGE: SUMMARY" for each verb', () => {
    const out = runLines(HELP.map(([verb]) => `sim help ${verb}`), simTarget());
    expect(out.stdout).toEqual(HELP.map(([, usage, summary], i) => `${i + 1} sim ${usage}: ${summary}`));
    expect(out.stderr).toBe('');
  });

  it('lists every heap verb in the full help, sorted by name', () => {
    const out = runLines(['sim help'], simTarget());
    const lines = out.stdout[0]!.slice('1 '.length);
    for (const [, usage, summary] of HELP) expect(lines).toContain(`sim ${usage}: ${summary}`);
  });
});
