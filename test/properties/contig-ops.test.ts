// The contig and CMA op modules through the interpreter: JSON forms, each op's outcome, and the example invariants (kernel-reference 5, 11, 17-19, 21, 23 both ways, 45/46, device fallback), with everything released before the end-state oracle.
import { describe, expect, it } from 'vitest';
import { describeOp, parseOp, type Op } from '../../properties/ops/registry.ts';
import { runSequence } from '../../properties/run-sequence.ts';

/** 32 MiB with cma=16M: movable allocations prefer CMA, so user pages land there. */
const CMA_HEAVY = { banks: [{ name: 'dram0', base: 0, size: '32M', zone: 'Normal' }], cpus: 2, cmdline: 'cma=16M' };
/** Two platform areas and a device falling back from the first to the second. */
const DEVICES = {
  banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cpus: 1,
  cma: { areas: [{ name: 'plat', size: '4M' }, { name: 'plat2', size: '4M', orderPerBit: 1 }] }, devices: [{ name: 'dev0', cma: ['plat', 'plat2'] }],
};

function run(ops: Op[], config: unknown = CMA_HEAVY) {
  const result = runSequence({ config, seed: 'ops', ops, auditEvery: 1, record: true });
  return { result, texts: result.records.map((record) => record.text), statuses: result.records.map((record) => record.status) };
}

const map = (pageCount: number, gfp = 'GFP_HIGHUSER_MOVABLE'): Op => ({ op: 'userMap', pageCount, cpu: 0, gfp });

describe('contig and CMA ops as JSON', () => {
  it('parse, name their fields, and read back', () => {
    const examples: Op[] = [
      map(8), { op: 'userUnmap', mapping: 0 }, { op: 'userWrite', mapping: 0, slot: 3, count: 2 }, { op: 'lruDrain', cpu: 1 },
      { op: 'pin', mapping: 0, slot: 1, pageCount: 2, kind: 'longterm', cpu: 0 }, { op: 'unpin', pin: 0 },
      { op: 'contigRange', anchor: 'zone', index: 0, offset: 4096, pageCount: 64, mode: 'fast', isolated: true, cpu: 0 },
      { op: 'contigPages', nrPages: 64, gfp: 'GFP_KERNEL', mode: 'normal', cpu: 0 }, { op: 'contigFree', target: 0 }, { op: 'compact', order: 9, gfp: 'GFP_HIGHUSER_MOVABLE' },
      { op: 'cmaAlloc', area: 0, pageCount: 16, alignOrder: 4 }, { op: 'deviceAlloc', device: 0, pageCount: 16, alignOrder: 4 },
      { op: 'cmaRelease', target: 0, invalid: 'beyond' }, { op: 'cmaAllocBulk', area: 0, order: 4, nrRequests: 8, alignOrder: 4, mode: 'fast' },
    ];
    for (const op of examples) expect(parseOp(JSON.parse(JSON.stringify(op)), ['ops', 0])).toEqual({ ok: true, value: op });
    expect(describeOp(examples[6]!)).toBe('contigRange zone 0 +4096 ×64 fast isolated cpu 0');
    expect(describeOp(examples[12]!)).toBe('cmaRelease 0 invalid beyond');
    const bad = parseOp({ op: 'cmaRelease', target: 0, invalid: 'sideways' }, ['ops', 2]);
    expect(bad.ok ? 'ok' : bad.detail).toMatch(/^ops\[2\]\.invalid: /);
  });

  it('skip when their symbolic target has nothing to act on', () => {
    const { result, statuses } = run([{ op: 'userUnmap', mapping: 3 }, { op: 'unpin', pin: 0 }, { op: 'contigFree', target: 1 }, { op: 'cmaRelease', target: 0 }, { op: 'deviceAlloc', device: 0, pageCount: 1, alignOrder: 0 }]);
    expect(result.failure).toBeNull();
    expect(statuses).toEqual(['skip', 'skip', 'skip', 'skip', 'skip']);
  });
});

describe('CMA allocations', () => {
  it('5: n == 0 and too many bits fail without any alloc_contig_range call; 11: invalid releases return false', () => {
    const { result, texts, statuses } = run([
      { op: 'cmaAlloc', area: 0, pageCount: 0, alignOrder: 0 },
      { op: 'cmaAlloc', area: 0, pageCount: 99999, alignOrder: 0 },
      { op: 'cmaAlloc', area: 0, pageCount: 16, alignOrder: 4 },
      { op: 'cmaRelease', target: 0, invalid: 'null' },
      { op: 'cmaRelease', target: 0, invalid: 'below' },
      { op: 'cmaRelease', target: 0, invalid: 'beyond' },
      { op: 'cmaRelease', target: 0 },
    ]);
    expect(result.failure).toBeNull();
    expect(statuses).toEqual(['errno', 'errno', 'ok', 'errno', 'errno', 'errno', 'ok']);
    expect(texts[0]).toMatch(/ENOMEM after 0 probes$/);
    expect(texts[5]).toMatch(/returned false$/);
  });

  it('21: without a migration target the probe fails with ENOMEM and cma_alloc tries no other window', () => {
    const { result, texts } = run([
      map(64), { op: 'lruDrain' }, { op: 'cmaAlloc', area: 0, pageCount: 3072, alignOrder: 0 },
      { op: 'armFault', site: 'page_alloc', count: 1 }, { op: 'cmaAlloc', area: 0, pageCount: 64, alignOrder: 0 },
    ]);
    expect(result.failure).toBeNull();
    expect(texts[0]).toMatch(/from pfn 7168$/);
    expect(texts[4]).toMatch(/ENOMEM after 1 probes$/);
  });

  it('migrates the user pages out of the window it takes (16), and cma_alloc_bulk skips the pinned pageblock (45)', () => {
    const { result, texts, statuses } = run([
      map(64), { op: 'pin', mapping: 0, slot: 63, pageCount: 1, kind: 'shortterm', cpu: 0 },
      { op: 'cmaAllocBulk', area: 0, order: 9, nrRequests: 8, alignOrder: 9, mode: 'fast' },
      { op: 'cmaRelease', target: 0 },
      { op: 'cmaAlloc', area: 0, pageCount: 3072, alignOrder: 0 },
      { op: 'cmaAlloc', area: 0, pageCount: 32, alignOrder: 5 },
    ]);
    expect(result.failure).toBeNull();
    expect(statuses[2]).toBe('ok');
    expect(texts[2]).toMatch(/7 of 8 chunks \(EBUSY\)$/);
    expect(texts[5]).toMatch(/pfn 7168 \(probe 1\)$/);
  });

  it('a device falls back to its second area when the first is full', () => {
    const { result, texts } = run([{ op: 'cmaAlloc', area: 0, pageCount: 1024, alignOrder: 0 }, { op: 'deviceAlloc', device: 0, pageCount: 16, alignOrder: 4 }], DEVICES);
    expect(result.failure).toBeNull();
    expect(texts[1]).toMatch(/dev0 → plat2 pfn \d+$/);
  });
});

describe('contig ranges', () => {
  it('17: reserved pages and CMA pageblocks; 19: an isolated pageblock; 18: a pinned page — all EBUSY, nothing taken', () => {
    const { result, texts, statuses } = run([
      { op: 'contigRange', anchor: 'reserved', index: 0, offset: 3, pageCount: 16, mode: 'normal', cpu: 0 },
      { op: 'contigRange', anchor: 'cma', index: 0, offset: 100, pageCount: 16, mode: 'normal', cpu: 0 },
      { op: 'contigRange', anchor: 'zone', index: 0, offset: 2048, pageCount: 16, mode: 'fast', isolated: true, cpu: 0 },
      map(8, 'GFP_HIGHUSER'), { op: 'lruDrain' }, { op: 'pin', mapping: 0, slot: 2, pageCount: 1, kind: 'shortterm', cpu: 0 },
      { op: 'contigRange', anchor: 'mapping', index: 0, offset: 2, pageCount: 8, mode: 'normal', cpu: 0 },
      { op: 'contigRange', anchor: 'zone', index: 0, offset: 2048, pageCount: 16, mode: 'fast', cpu: 0 },
      { op: 'contigPages', nrPages: 64, gfp: 'GFP_KERNEL', mode: 'normal', cpu: 1 },
    ]);
    expect(result.failure).toBeNull();
    expect(statuses).toEqual(['errno', 'errno', 'errno', 'ok', 'ok', 'ok', 'errno', 'ok', 'ok']);
    expect(texts[2]).toMatch(/with its first pageblock isolated: EBUSY$/);
  });
});

describe('pins', () => {
  it('23: a FOLL_LONGTERM pin moves CMA pages out first; with the 2020 switch it pins them where they are', () => {
    const ops: Op[] = [map(4), { op: 'pin', mapping: 0, slot: 0, pageCount: 4, kind: 'longterm', cpu: 0 }, { op: 'userUnmap', mapping: 0 }];
    const on = run(ops);
    expect(on.result.failure).toBeNull();
    expect(on.texts[1]).toMatch(/\(4 migrated first\)$/);
    const off = run(ops, { ...CMA_HEAVY, pinning: { longtermMigratesCma: false } });
    expect(off.result.failure).toBeNull();
    expect(off.texts[1]).toMatch(/\(0 migrated first\)$/);
    expect(off.texts[2]).toMatch(/4 pages kept by pins or batches\)$/);
  });
});

describe('the end of a run', () => {
  it('releases every pin, mapping, CMA allocation and contig range before the end-state oracle', () => {
    const ops: Op[] = [
      map(40), map(3), { op: 'pin', mapping: 1, slot: 0, pageCount: 3, kind: 'shortterm', cpu: 0 }, { op: 'userUnmap', mapping: 1 },
      { op: 'cmaAlloc', area: 0, pageCount: 5, alignOrder: 0 }, { op: 'cmaAllocBulk', area: 0, order: 2, nrRequests: 3, alignOrder: 2, mode: 'normal' },
      { op: 'contigPages', nrPages: 64, gfp: 'GFP_KERNEL', mode: 'normal', cpu: 0 }, { op: 'compact', order: 9, gfp: 'GFP_HIGHUSER_MOVABLE' },
    ];
    const checked = runSequence({ config: CMA_HEAVY, seed: 'end', ops, auditEvery: 3 });
    expect(checked.failure).toBeNull();
    const unchecked = runSequence({ config: CMA_HEAVY, seed: 'end', ops, auditEvery: 3, checking: false });
    expect(unchecked).toMatchObject({ failure: null, checks: 0, opsExecuted: ops.length });
  });
});
