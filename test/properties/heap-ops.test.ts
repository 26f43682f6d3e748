// The heap ops as data and through the interpreter: JSON round trips and readable forms, the ioctl's EINVAL cases, fd-flag access rules, buffer contents, the deferred list, pools, CPA refill, hogs, dma_heap_add, and the end-state teardown of every pool variant.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeOp, opArbitrary, OP_SPECS, parseOp, type Op } from '../../properties/ops/registry.ts';
import { HEAP_OP_SPECS } from '../../properties/ops/heap-ops.ts';
import { heapLayerOf } from '../../properties/ops/heaps/heap-layer.ts';
import { runSequence, startRun } from '../../properties/run-sequence.ts';

/** 32 MiB, cma=4M, every heap kind, deferred free and shrinker pools (ion), a CPA pool of order-4 blocks. */
const HEAPS_CONFIG = {
  banks: [{ name: 'dram0', base: 0, size: '32M', zone: 'Normal' }], cpus: 2, cmdline: 'cma=4M',
  heaps: {
    system: { pool: 'shrinker', shrinkerStyle: 'ion', deferredFree: true, zeroBudgetPerTick: '4K', variants: [{ name: 'system-uncached', caching: 'uncached' }] },
    cpa: [{ name: 'cpa', order: 4, lowmark: 2, fillmark: 3, highmark: 4 }],
    chunk: [{ name: 'chunk', area: 'reserved', chunkSize: '64K' }],
  },
};
/** Heap indices in HEAPS_CONFIG (minor order). */
const SYSTEM = 0;
const UNCACHED = 1;
const RESERVED = 2;
const CHUNK = 3;
const CPA = 4;
const RDWR = 0x80002;

function run(ops: Op[], config: unknown = HEAPS_CONFIG) {
  const result = runSequence({ config, seed: 'heap-ops', ops, auditEvery: 1, record: true });
  return { result, texts: result.records.map((record) => record.text) };
}

function alloc(heap: number, len: number | string, fdFlags = RDWR): Op {
  return { op: 'heapAlloc', heap, len: String(len), fdFlags };
}

describe('heap ops as data', () => {
  it('registers every heap kind in the heaps group', () => {
    expect(HEAP_OP_SPECS.map((spec) => spec.kind)).toEqual(['heapAlloc', 'bufDup', 'bufClose', 'bufMap', 'bufUnmap', 'bufWrite', 'bufRead', 'bufAttach', 'bufDetach', 'pressure', 'shrink', 'hogGrow', 'hogShrink', 'hogRelease', 'heapAdd']);
    expect(HEAP_OP_SPECS.every((spec) => spec.group === 'heaps')).toBe(true);
    expect(OP_SPECS.map((spec) => spec.kind)).toEqual(expect.arrayContaining(['heapAlloc', 'hogGrow', 'tick', 'armFault']));
  });

  it('generates heap ops that survive a JSON round trip and validate', () => {
    const weights = Object.fromEntries(HEAP_OP_SPECS.map((spec) => [spec.kind, 1]));
    for (const op of fc.sample(opArbitrary({ weights }), { numRuns: 400, seed: 5 })) {
      expect(parseOp(JSON.parse(JSON.stringify(op)) as unknown, ['ops', 0])).toEqual({ ok: true, value: op });
    }
  });

  it('restricts heapAlloc to heaps no CMA area backs when the swarm has contig or CMA ops on', () => {
    const ops = fc.sample(opArbitrary({ weights: { heapAlloc: 1, userMap: 1 } }), { numRuns: 50, seed: 6 }).filter((op) => op.op === 'heapAlloc');
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.every((op) => op.op === 'heapAlloc' && op.among === 'noCma')).toBe(true);
  });

  it('reports bad heap op JSON in one line naming the field', () => {
    const detail = (raw: unknown): string => {
      const parsed = parseOp(raw, ['ops', 2]);
      return parsed.ok ? 'ok' : parsed.detail;
    };
    expect(detail({ op: 'heapAlloc', heap: 0, len: '18446744073709551616', fdFlags: 2 })).toMatch(/^ops\[2\]\.len: /);
    expect(detail({ op: 'heapAlloc', heap: 0, len: 4096, fdFlags: 2 })).toMatch(/^ops\[2\]\.len: /);
    expect(detail({ op: 'bufMap', buf: 0, access: 'x' })).toMatch(/^ops\[2\]\.access: /);
    expect(detail({ op: 'hogGrow', hog: 0, pages: 0, pattern: 'dense', pinnedPct: 0, longtermPct: 0 })).toMatch(/^ops\[2\]\.pages: /);
  });

  it('describes arguments, and results after a run', () => {
    expect(describeOp(alloc(1, 4097))).toBe('heapAlloc heap 1 len 4097 fd_flags 0x80002');
    expect(describeOp({ op: 'pressure', pages: 64, order: 9 })).toBe('pressure 64 order 9');
    const { texts } = run([alloc(SYSTEM, 1052672), { op: 'bufMap', buf: 0, access: 'rw' }, { op: 'bufWrite', map: 0, offset: 1, pages: 2 }, { op: 'bufRead', map: 0, offset: 0, pages: 4 }]);
    expect(texts[0]).toBe('heapAlloc heap 0 len 1052672 fd_flags 0x80002 → buf#1 system 1052672 B o8:1,o0:1');
    expect(texts[2]).toMatch(/^bufWrite map 0 offset 1 pages 2 → map#\d+ of buf#1 pages 1\+2 tag \d+$/);
    expect(texts[3]).toMatch(/pages 0\+4 zero 2$/);
  });
});

describe('heap ops through the interpreter', () => {
  it('every heap kind hands out, maps, writes, reads and releases buffers; the end state holds', () => {
    const ops: Op[] = [{ op: 'tick', deltaMs: 1 }];
    for (const heap of [SYSTEM, UNCACHED, RESERVED, CHUNK, CPA]) ops.push(alloc(heap, 70000));
    for (let buf = 0; buf < 5; buf++) ops.push({ op: 'bufMap', buf, access: 'rw' }, { op: 'bufWrite', map: buf, offset: 0, pages: 3 });
    ops.push({ op: 'bufClose', buf: 0 }, { op: 'bufUnmap', map: 0 }, { op: 'tick', deltaMs: 1 }, alloc(SYSTEM, 70000), { op: 'bufRead', map: 0, offset: 0, pages: 30 });
    const { result, texts } = run(ops);
    expect(result.failure, texts.join('\n')).toBeNull();
    expect(texts[2]).toMatch(/system-uncached 73728 B o4:1,o0:2$/);
    expect(texts[3]).toMatch(/reserved 73728 B o0:18$/);
    expect(texts[4]).toMatch(/chunk 131072 B o4:2$/);
    expect(texts[5]).toMatch(/cpa 73728 B o4:2$/);
  });

  it('rejects len 0, a wrapping len, bad fd flags, heap flags and an input fd with EINVAL and no side effect', () => {
    const ops: Op[] = [
      alloc(SYSTEM, 0), alloc(SYSTEM, '18446744073709551615'), alloc(SYSTEM, 4096, 0x800),
      { op: 'heapAlloc', heap: SYSTEM, len: '4096', fdFlags: RDWR, heapFlags: '1' }, { op: 'heapAlloc', heap: CPA, len: '4096', fdFlags: RDWR, fd: 3 },
    ];
    const { result, texts } = run(ops);
    expect(result.failure, texts.join('\n')).toBeNull();
    expect(result.records.every((record) => record.status === 'errno' && record.text.endsWith('EINVAL'))).toBe(true);
  });

  it('follows OPEN_FMODE: O_WRONLY cannot map, O_RDONLY maps read-only and a store through it is EFAULT, no fd means EBADF', () => {
    const { result, texts } = run([
      alloc(SYSTEM, 4096, 1), { op: 'bufMap', buf: 0, access: 'r' },
      alloc(SYSTEM, 4096, 0), { op: 'bufMap', buf: 1, access: 'rw' }, { op: 'bufMap', buf: 1, access: 'r' }, { op: 'bufWrite', map: 0, offset: 0, pages: 1 },
      { op: 'bufClose', buf: 1 }, { op: 'bufDup', buf: 1 }, { op: 'bufAttach', buf: 1, device: 'gpu' }, { op: 'bufMap', buf: 1, access: 'r', offset: 0, pages: 2 },
    ]);
    expect(result.failure, texts.join('\n')).toBeNull();
    expect(result.records.map((record) => record.status)).toEqual(['ok', 'errno', 'ok', 'errno', 'ok', 'errno', 'ok', 'errno', 'errno', 'errno']);
  });

  it('predicts EINTR for a pending fatal signal and the half-of-RAM cap; a failed allocation keeps nothing', () => {
    const { result, texts } = run([{ op: 'armFault', site: 'fatal_signal', count: 1 }, alloc(SYSTEM, 2 ** 20), alloc(SYSTEM, 17 * 2 ** 20), alloc(CHUNK, 8 * 2 ** 20)]);
    expect(result.failure, texts.join('\n')).toBeNull();
    expect(texts.slice(1)).toEqual(['heapAlloc heap 0 len 1048576 fd_flags 0x80002 → system EINTR', 'heapAlloc heap 0 len 17825792 fd_flags 0x80002 → system ENOMEM', 'heapAlloc heap 3 len 8388608 fd_flags 0x80002 → chunk ENOMEM']);
  });

  it('frees deferred buffers newest first, to the pools with DF_NORMAL and to the page allocator under pressure (which also empties the CPA pool)', () => {
    const { result, texts } = run([
      alloc(SYSTEM, 4096), alloc(SYSTEM, 65536), { op: 'bufClose', buf: 0 }, { op: 'bufClose', buf: 0 },
      { op: 'tick', deltaMs: 1 }, { op: 'shrink', shrinker: 0, pages: 1 }, { op: 'pressure', pages: 4096 },
    ]);
    expect(result.failure, texts.join('\n')).toBeNull();
    expect(texts[5]).toBe('shrink shrinker 0 pages 1 → dmabuf-deferred-free freed 1 (count 1 → 0)');
    expect(texts[6]).toMatch(/^pressure 4096 → freed 64 priority 0/);
  });

  it('refills a CPA pool in tick, sends frees above the high-mark to the system and shrinks it', () => {
    const { result, texts } = run([
      { op: 'tick', deltaMs: 1 }, alloc(CPA, 4 * 65536), alloc(CPA, 65536), { op: 'tick', deltaMs: 1 }, { op: 'bufClose', buf: 0 }, { op: 'bufClose', buf: 0 },
      { op: 'shrink', shrinker: 2, pages: 16 },
    ]);
    expect(result.failure, texts.join('\n')).toBeNull();
    expect(texts[6]).toMatch(/^shrink shrinker 2 pages 16 → cpa-pool:cpa freed 16 \(count 64 → 48\)$/);
  });

  it('grows, shrinks and releases hogs that fragment memory, and pressure compacts around them', () => {
    const { result, texts } = run([
      { op: 'hogGrow', hog: 0, pages: 1200, pattern: 'interleave', pinnedPct: 2, longtermPct: 50 }, { op: 'hogGrow', hog: 1, pages: 300, pattern: 'random', pinnedPct: 0, longtermPct: 0 },
      { op: 'hogShrink', hog: 0, pages: 100 }, { op: 'pressure', pages: 16, order: 9 }, alloc(SYSTEM, 2 ** 20), { op: 'hogRelease', hog: 1 },
    ]);
    expect(result.failure, texts.join('\n')).toBeNull();
    expect(texts[0]).toBe('hogGrow hog 0 pages 1200 interleave pinned 2% longterm 50% → hog1 pages 1200 pins 24');
  });

  it('registers custom heaps until the 128 minors are used up, and refuses duplicate, empty and allocate-less heaps', () => {
    const adds: Op[] = Array.from({ length: 125 }, () => ({ op: 'heapAdd', kind: 'custom', target: 0 }));
    const { result, texts } = run([
      { op: 'heapAdd', kind: 'duplicate', target: 2 }, { op: 'heapAdd', kind: 'empty', target: 0 }, { op: 'heapAdd', kind: 'noAllocate', target: 0 }, ...adds,
      alloc(127, 70000),
    ]);
    expect(result.failure, texts.join('\n')).toBeNull();
    expect(result.records.slice(0, 3).every((record) => record.status === 'errno')).toBe(true);
    expect(texts[3 + 122]).toMatch(/→ registered custom-127$/);
    expect(texts[3 + 123]).toMatch(/→ custom EBUSY$/);
    expect(texts[texts.length - 1]).toMatch(/custom-127 73728 B o4:2$/);
  });

  it('tears down static rings, TTM pools and deferred lists at the end (static rings with their destroy verb)', () => {
    for (const system of [{ pool: 'static', staticPoolEntries: 1 }, { pool: 'shrinker', shrinkerStyle: 'ttm', poolLimit: '128K' }, { pool: 'none', deferredFree: true }]) {
      const config = { banks: [{ name: 'dram0', base: 0, size: '16M', zone: 'Normal' }], heaps: { system } };
      const { result, texts } = run([alloc(SYSTEM, 2 ** 20 + 3 * 65536 + 4096), alloc(SYSTEM, 65536), { op: 'bufClose', buf: 0 }, { op: 'bufClose', buf: 0 }, { op: 'pressure', pages: 1 }], config);
      expect(result.failure, `${JSON.stringify(system)}\n${texts.join('\n')}`).toBeNull();
    }
  });

  it('registers the heap layer at boot, so pool pages a tick takes count from the first op', () => {
    const run = startRun({ config: HEAPS_CONFIG, seed: 'layer' });
    if (!run.ok) throw new Error(run.detail);
    const layer = heapLayerOf(run.value.ctx);
    expect(layer?.catalog.entries.map((entry) => `${entry.name}:${entry.kind}`)).toEqual(['system:system', 'system-uncached:system', 'reserved:cma', 'chunk:chunk', 'cpa:cpa']);
    run.value.ctx.machine.tick();
    expect(layer?.heldPages()).toBe(48);
  });
});
