// The CMA op module: cma_alloc, device allocations with fallback areas, cma_release (valid and invalid) and cma_alloc_bulk.
import { cmaAllocSpec, deviceAllocSpec } from './cma-alloc-ops.ts';
import { cmaAllocBulkSpec, cmaReleaseSpec } from './cma-release-ops.ts';

/** The CMA layer's op specs; the registry merges them with other layers' modules. */
export const CMA_OP_SPECS = [cmaAllocSpec, deviceAllocSpec, cmaReleaseSpec, cmaAllocBulkSpec] as const;

/** CMA kinds that create allocations. */
export const CMA_ALLOCATING_KINDS: readonly string[] = [cmaAllocSpec.kind, deviceAllocSpec.kind, cmaAllocBulkSpec.kind];
