// The heapAdd op: dma_heap_add() through the package API — a duplicate name, an empty name or a heap without allocate must be EINVAL with nothing registered, a new custom heap registers until the 128 minors are used up (EBUSY) (invariant 43).
import * as fc from 'fast-check';
import { z } from 'zod';
import type { Result } from '../../../src/base/errno.ts';
import type { DmaHeap } from '../../../src/heaps/dma-heap.ts';
import { fail } from '../../invariants/failure.ts';
import { errnoOutcome, okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { targetArbitrary, targetField } from '../targets.ts';
import { order4Heap } from './custom-heap.ts';
import { heapLayerOf, type HeapLayer } from './heap-layer.ts';

/** NUM_HEAP_MINORS (kernel-reference §5.3), re-stated. */
export const HEAP_MINORS = 128;

const schema = z.strictObject({ op: z.literal('heapAdd'), kind: z.enum(['custom', 'duplicate', 'empty', 'noAllocate']), target: targetField });

/** `{ "op": "heapAdd", "kind": "duplicate", "target": 1 }`: register a heap named like the 1st heap (EINVAL); `custom` registers "custom-N". */
export type HeapAddOp = z.infer<typeof schema>;

function candidate(layer: HeapLayer, op: HeapAddOp): { heap: DmaHeap; expected: string } {
  const names = layer.machine.heaps.names();
  switch (op.kind) {
    case 'duplicate': return { heap: order4Heap(layer.machine, names[op.target % names.length] as string), expected: 'EINVAL' };
    case 'empty': return { heap: order4Heap(layer.machine, ''), expected: 'EINVAL' };
    // Why the cast: a heap without allocate is exactly what dma_heap_add must refuse; the type forbids building one.
    case 'noAllocate': return { heap: { name: `broken-${names.length}` } as DmaHeap, expected: 'EINVAL' };
    default: return { heap: order4Heap(layer.machine, `custom-${names.length}`), expected: names.length >= HEAP_MINORS ? 'EBUSY' : 'ok' };
  }
}

function apply(ctx: OpContext, op: HeapAddOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  if (layer === undefined) return skipOutcome('no heap layers on this machine');
  const before = layer.machine.heaps.names();
  const { heap, expected } = candidate(layer, op);
  const result: Result<void> = layer.machine.heaps.add(heap);
  const actual = result.ok ? 'ok' : result.errno;
  const after = layer.machine.heaps.names();
  const grew = after.length === before.length + 1 && after[after.length - 1] === heap.name;
  ctx.checks++;
  const failure = actual !== expected ? fail('heap-ioctl', `dma_heap_add(${op.kind} "${heap.name}") returned ${actual}, expected ${expected}`, { expected, actual })
    : (result.ok ? !grew : after.join() !== before.join()) ? fail('heap-ioctl', `dma_heap_add(${op.kind}) left the heaps ${after.join(' ')} (before: ${before.join(' ')})`, { expected: before.length + (result.ok ? 1 : 0), actual: after.length })
    : undefined;
  return result.ok ? okOutcome(`registered ${heap.name}`, failure) : errnoOutcome(result.errno, `${op.kind} ${result.errno}`, failure);
}

/** The heapAdd op kind. */
export const heapAddSpec: OpSpec<HeapAddOp> = {
  kind: 'heapAdd',
  group: 'heaps',
  summary: 'dma_heap_add(): a duplicate, empty or allocate-less heap is EINVAL; a new custom heap registers (EBUSY past 128)',
  weightMax: 5,
  schema,
  arbitrary: () => fc.record({ op: fc.constant('heapAdd' as const), kind: fc.constantFrom('duplicate', 'custom', 'empty', 'noAllocate'), target: targetArbitrary() }),
  apply,
  describe: (op) => `heapAdd ${op.kind}${op.kind === 'duplicate' ? ` of heap ${op.target}` : ''}`,
};
