// Ops as data: the registry's kinds, JSON validation errors, readable forms with resolved targets, and each buddy op's behaviour through the interpreter (tail freeing, bulk slots, drains, faults).
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeOp, OP_KINDS, opArbitrary, parseOp, type Op } from '../../properties/ops/registry.ts';
import { runSequence } from '../../properties/run-sequence.ts';
import { SMALL_CONFIG } from './harness-fixtures.ts';

function run(ops: Op[]) {
  const result = runSequence({ config: SMALL_CONFIG, seed: 'ops', ops, auditEvery: 1, record: true });
  return { result, texts: result.records.map((record) => record.text) };
}

describe('the op registry', () => {
  it('lists the buddy op kinds first', () => {
    expect(OP_KINDS.slice(0, 8)).toEqual(['allocPages', 'freePages', 'getPage', 'putPage', 'allocPagesBulk', 'drain', 'tick', 'armFault']);
  });

  it('generates ops that survive a JSON round trip and validate', () => {
    const weights = Object.fromEntries(OP_KINDS.map((kind) => [kind, 1]));
    for (const op of fc.sample(opArbitrary({ weights }), { numRuns: 300, seed: 3 })) {
      const copy = JSON.parse(JSON.stringify(op)) as unknown;
      expect(parseOp(copy, ['ops', 0])).toEqual({ ok: true, value: op });
    }
  });

  it('never generates a kind the swarm switched off', () => {
    const ops = fc.sample(opArbitrary({ weights: { allocPages: 1, freePages: 1 } }), { numRuns: 100, seed: 4 });
    expect(new Set(ops.map((op) => op.op))).toEqual(new Set(['allocPages', 'freePages']));
    expect(() => opArbitrary({ weights: {} })).toThrow(/every op kind off/);
  });

  it('reports bad op JSON in one line naming the field', () => {
    const detail = (raw: unknown): string => {
      const parsed = parseOp(raw, ['ops', 3]);
      return parsed.ok ? 'ok' : parsed.detail;
    };
    expect(detail(7)).toBe('ops[3]: expected an op object, got 7');
    expect(detail({ op: 'mmap' })).toBe(`ops[3].op: unknown op "mmap" (expected one of ${OP_KINDS.join(', ')})`);
    expect(detail({ op: 'allocPages', gfp: 'GFP_KERNEL', order: 3 })).toBe('ops[3].cpu: missing (required)');
    expect(detail({ op: 'allocPages', gfp: 'GFP_KERNAL', order: 3, cpu: 0 })).toMatch(/^ops\[3\]\.gfp: expected gfp flags/);
    expect(detail({ op: 'freePages', target: 1.5 })).toMatch(/^ops\[3\]\.target: /);
    expect(detail({ op: 'freePages', target: 1, pfn: 3 })).toBe('ops[3].pfn: unknown field');
  });
});

describe('readable forms', () => {
  it('describes arguments, and resolved targets and results after a run', () => {
    expect(describeOp({ op: 'allocPages', gfp: 'GFP_KERNEL|__GFP_ZERO', order: 3, cpu: 1 })).toBe('allocPages GFP_KERNEL|__GFP_ZERO order 3 cpu 1');
    expect(describeOp({ op: 'freePages', target: 17 })).toBe('freePages target 17');
    expect(describeOp({ op: 'allocPagesBulk', gfp: 'GFP_KERNEL', nrPages: 8, prefilled: [0, 5], cpu: 0 })).toBe('allocPagesBulk GFP_KERNEL nrPages 8 prefilled [0,5] cpu 0');
    expect(describeOp({ op: 'drain' })).toBe('drain all CPUs');
    expect(describeOp({ op: 'armFault', site: 'page_alloc', count: 2 })).toBe('armFault page_alloc ×2');
    const { texts } = run([{ op: 'allocPages', gfp: 'GFP_KERNEL', order: 3, cpu: 1 }, { op: 'freePages', target: 5 }, { op: 'freePages', target: 5 }]);
    expect(texts[0]).toMatch(/^allocPages GFP_KERNEL order 3 cpu 1 → #1 pfn \d+$/);
    expect(texts[1]).toMatch(/^freePages target 5 → #1 pfn \d+ order 3$/);
    expect(texts[2]).toBe('freePages target 5 → skip (no live allocation to free)');
  });
});

describe('buddy ops through the interpreter', () => {
  it('extra references: a non-compound block loses its tails at once, a compound one stays whole', () => {
    const { result, texts } = run([
      { op: 'allocPages', gfp: 'GFP_KERNEL', order: 2, cpu: 0 },
      { op: 'allocPages', gfp: 'GFP_KERNEL|__GFP_COMP', order: 2, cpu: 0 },
      { op: 'getPage', target: 0 },
      { op: 'getPage', target: 1 },
      { op: 'freePages', target: 0 },
      { op: 'freePages', target: 0 },
      { op: 'putPage', target: 0 },
      { op: 'putPage', target: 0 },
      { op: 'putPage', target: 0 },
    ]);
    expect(result.failure).toBeNull();
    expect(texts[4]).toMatch(/→ #1 pfn \d+ order 2 \(1 extra ref keep the head\)$/);
    expect(result.records[4]!.facts.allocated).toBe(1 + 4);
    expect(texts[5]).toMatch(/→ #2 pfn \d+ order 2 \(1 extra ref keep it\)$/);
    expect(result.records[5]!.facts.allocated).toBe(1 + 4);
    expect(texts[6]).toMatch(/^putPage target 0 → #1 pfn \d+ order 0 freed$/);
    expect(texts[7]).toMatch(/^putPage target 0 → #2 pfn \d+ order 2 freed$/);
    expect(texts[8]).toBe('putPage target 0 → skip (no extra reference to drop)');
    expect(result.records[7]!.facts).toMatchObject({ allocated: 0, live: 0 });
  });

  it('a bulk call fills only null slots and every new page becomes a handle', () => {
    const { result, texts } = run([{ op: 'allocPagesBulk', gfp: 'GFP_KERNEL', nrPages: 6, prefilled: [1, 9], cpu: 1 }]);
    expect(result.failure).toBeNull();
    expect(texts[0]).toBe('allocPagesBulk GFP_KERNEL nrPages 6 prefilled [1,9] cpu 1 → returned 6, 4 new (#1..#4)');
    expect(result.records[0]!.facts).toMatchObject({ allocated: 4, live: 4 });
  });

  it('an armed fault fails the next allocations, as the model predicts', () => {
    const { result } = run([
      { op: 'armFault', site: 'page_alloc', count: 2 },
      { op: 'allocPages', gfp: 'GFP_KERNEL', order: 0, cpu: 0 },
      { op: 'allocPagesBulk', gfp: 'GFP_KERNEL', nrPages: 4, prefilled: [0], cpu: 0 },
      { op: 'allocPages', gfp: 'GFP_KERNEL', order: 0, cpu: 0 },
    ]);
    expect(result.failure).toBeNull();
    expect(result.records.map((record) => record.status)).toEqual(['ok', 'errno', 'errno', 'ok']);
    expect(result.records[2]!.text).toMatch(/returned 1, 0 new$/);
  });

  it('drains one CPU or all, and ticks virtual time', () => {
    const { result, texts } = run([
      { op: 'allocPages', gfp: 'GFP_KERNEL', order: 0, cpu: 1 },
      { op: 'freePages', target: 0 },
      { op: 'drain', cpu: 0 },
      { op: 'drain', cpu: 5 },
      { op: 'tick', deltaMs: 3 },
    ]);
    expect(result.failure).toBeNull();
    expect(texts[2]).toBe('drain cpu 0 → 0 per-CPU pages (cpu 0) back to the buddy lists');
    expect(texts[3]).toMatch(/^drain cpu 5 → [1-9]\d* per-CPU pages \(cpu 1\) back to the buddy lists$/);
    expect(texts[4]).toBe('tick 3 ms → now 3 ms');
    expect(result.kindCounts['drain']).toEqual({ executed: 2, skipped: 0, failed: 0 });
  });
});
