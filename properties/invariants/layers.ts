// The shared steps every registered model layer takes part in (model-layer.ts): its per-op checks, its audit, and its release before the end-state oracle.
import type { OpContext } from '../ops/op.ts';
import type { InvariantFailure } from './failure.ts';

/** Each layer's cheap per-op checks, in registration order; the first failure wins. */
export function checkLayersAfterOp(ctx: OpContext): InvariantFailure | undefined {
  for (const layer of ctx.model.layers) {
    const failure = layer.afterOp(ctx);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/** Each layer's full audit. */
export function auditLayers(ctx: OpContext): InvariantFailure | undefined {
  for (const layer of ctx.model.layers) {
    const failure = layer.audit(ctx);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/** Each layer releases everything it holds (before the buddy handles and the end-state oracle). */
export function releaseLayers(ctx: OpContext): InvariantFailure | undefined {
  for (const layer of ctx.model.layers) {
    const failure = layer.releaseAll(ctx);
    if (failure !== undefined) return failure;
  }
  return undefined;
}
