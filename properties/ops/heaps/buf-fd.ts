// The bufDup, bufClose, bufAttach and bufDetach ops: fd and importer references of a live buffer (symbolic target), each predicted by the model (EBADF once no fd is open) and the last one releasing the buffer.
import * as fc from 'fast-check';
import { z } from 'zod';
import type { Result } from '../../../src/base/errno.ts';
import { fail } from '../../invariants/failure.ts';
import type { ModelBuffer } from '../../model/heap-model.ts';
import { errnoOutcome, okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { targetArbitrary, targetField } from '../targets.ts';
import { checkRefcount, dropReference } from './buffer-refs.ts';
import { heapLayerOf, type HeapLayer } from './heap-layer.ts';

const dupSchema = z.strictObject({ op: z.literal('bufDup'), buf: targetField });
const closeSchema = z.strictObject({ op: z.literal('bufClose'), buf: targetField });
const attachSchema = z.strictObject({ op: z.literal('bufAttach'), buf: targetField, device: z.string().min(1).max(32) });
const detachSchema = z.strictObject({ op: z.literal('bufDetach'), att: targetField });

/** `{ "op": "bufDup", "buf": 2 }`: dup(2) of the 2nd live buffer (modulo their number). */
export type BufDupOp = z.infer<typeof dupSchema>;
/** `{ "op": "bufClose", "buf": 2 }`: close(2) of one of its fds (EBADF when it has none, only mappings or attachments). */
export type BufCloseOp = z.infer<typeof closeSchema>;
/** `{ "op": "bufAttach", "buf": 0, "device": "gpu" }`: dma_buf_get + dma_buf_attach by an importer. */
export type BufAttachOp = z.infer<typeof attachSchema>;
/** `{ "op": "bufDetach", "att": 1 }`: dma_buf_detach + dma_buf_put of a live attachment. */
export type BufDetachOp = z.infer<typeof detachSchema>;

/** The target buffer, or undefined (the op is skipped). */
function pickBuffer(layer: HeapLayer, target: number): ModelBuffer | undefined {
  const { buffers } = layer.model;
  return buffers.length === 0 ? undefined : buffers[target % buffers.length];
}

/** An fd verb on a buffer without an fd must be EBADF and change nothing. */
function expectEbadf(ctx: OpContext, layer: HeapLayer, buffer: ModelBuffer, verb: string, result: Result<unknown>): OpOutcome {
  const failure = result.ok || result.errno !== 'EBADF'
    ? fail('buffer-refs', `${verb} of buf#${buffer.id} without an open fd returned ${result.ok ? 'ok' : result.errno}, expected EBADF`, { expected: 'EBADF', actual: result.ok ? 'ok' : result.errno })
    : ctx.checking ? checkRefcount(ctx, layer, buffer, layer.bufOf(buffer)) : undefined;
  return result.ok ? okOutcome(`buf#${buffer.id}`, failure) : errnoOutcome(result.errno, `buf#${buffer.id} ${result.errno}`, failure);
}

function applyDup(ctx: OpContext, op: BufDupOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const buffer = layer === undefined ? undefined : pickBuffer(layer, op.buf);
  if (layer === undefined || buffer === undefined) return skipOutcome('no live buffer');
  const result = layer.bufOf(buffer).dup();
  if (buffer.fds === 0) return expectEbadf(ctx, layer, buffer, 'dup', result);
  if (!result.ok) return errnoOutcome(result.errno, result.errno, fail('buffer-refs', `dup of buf#${buffer.id} (${buffer.fds} fds) failed with ${result.errno}`, { expected: 'ok', actual: result.errno }));
  buffer.fds++;
  return okOutcome(`buf#${buffer.id} fds ${buffer.fds}`, ctx.checking ? checkRefcount(ctx, layer, buffer, layer.bufOf(buffer)) : undefined);
}

function applyClose(ctx: OpContext, op: BufCloseOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const buffer = layer === undefined ? undefined : pickBuffer(layer, op.buf);
  if (layer === undefined || buffer === undefined) return skipOutcome('no live buffer');
  const buf = layer.bufOf(buffer);
  if (buffer.fds === 0) return expectEbadf(ctx, layer, buffer, 'close', buf.close());
  const failure = dropReference(ctx, layer, buffer, () => buf.close(), () => {
    buffer.fds--;
  });
  return okOutcome(`buf#${buffer.id} ${layer.model.refcount(buffer) === 0 ? 'released' : `refs ${layer.model.refcount(buffer)}`}`, failure);
}

function applyAttach(ctx: OpContext, op: BufAttachOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const buffer = layer === undefined ? undefined : pickBuffer(layer, op.buf);
  if (layer === undefined || buffer === undefined) return skipOutcome('no live buffer');
  const result = layer.bufOf(buffer).attach(op.device);
  if (buffer.fds === 0) return expectEbadf(ctx, layer, buffer, 'attach', result);
  if (!result.ok) return errnoOutcome(result.errno, result.errno, fail('buffer-refs', `attach to buf#${buffer.id} failed with ${result.errno}`, { expected: 'ok', actual: result.errno }));
  const attachment = layer.model.addAttachment(buffer, result.value, op.device);
  return okOutcome(`att#${attachment.id} on buf#${buffer.id}`, ctx.checking ? checkRefcount(ctx, layer, buffer, layer.bufOf(buffer)) : undefined);
}

function applyDetach(ctx: OpContext, op: BufDetachOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const { attachments } = layer?.model ?? { attachments: [] };
  const attachment = attachments[op.att % Math.max(attachments.length, 1)];
  if (layer === undefined || attachment === undefined) return skipOutcome('no live attachment');
  const { buffer } = attachment;
  const buf = layer.bufOf(buffer);
  const failure = dropReference(ctx, layer, buffer, () => buf.detach(attachment.realId), () => layer.model.removeAttachment(attachment));
  return okOutcome(`att#${attachment.id} of buf#${buffer.id}${layer.model.refcount(buffer) === 0 ? ' released' : ''}`, failure);
}

/** The bufDup op kind. */
export const bufDupSpec: OpSpec<BufDupOp> = {
  kind: 'bufDup', group: 'heaps', summary: 'dup(2) of a live buffer\'s fd', schema: dupSchema,
  arbitrary: () => fc.record({ op: fc.constant('bufDup' as const), buf: targetArbitrary() }),
  apply: applyDup, describe: (op) => `bufDup buf ${op.buf}`,
};

/** The bufClose op kind. */
export const bufCloseSpec: OpSpec<BufCloseOp> = {
  kind: 'bufClose', group: 'heaps', summary: 'close(2) of a live buffer\'s fd; the last reference releases it', schema: closeSchema,
  arbitrary: () => fc.record({ op: fc.constant('bufClose' as const), buf: targetArbitrary() }),
  apply: applyClose, describe: (op) => `bufClose buf ${op.buf}`,
};

/** The bufAttach op kind. */
export const bufAttachSpec: OpSpec<BufAttachOp> = {
  kind: 'bufAttach', group: 'heaps', summary: 'dma_buf_get + dma_buf_attach of a live buffer by a device', schema: attachSchema,
  arbitrary: () => fc.record({ op: fc.constant('bufAttach' as const), buf: targetArbitrary(), device: fc.constantFrom('gpu', 'isp', 'vpu') }),
  apply: applyAttach, describe: (op) => `bufAttach buf ${op.buf} ${op.device}`,
};

/** The bufDetach op kind. */
export const bufDetachSpec: OpSpec<BufDetachOp> = {
  kind: 'bufDetach', group: 'heaps', summary: 'dma_buf_detach + dma_buf_put; the last reference releases the buffer', schema: detachSchema,
  arbitrary: () => fc.record({ op: fc.constant('bufDetach' as const), att: targetArbitrary() }),
  apply: applyDetach, describe: (op) => `bufDetach att ${op.att}`,
};
