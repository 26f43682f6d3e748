// The package's public API (`import ... from 'pagelab'`): the machine, its config, results and units, GFP flags, and the heap interface a user implements to add a heap of their own.
export { err, ok, strerror, type Errno, type Result } from '../base/errno.ts';
export { MAX_PAGE_ORDER, PAGE_SIZE, PAGEBLOCK_ORDER, type Order, type PageCount, type Pfn } from '../base/units.ts';
export { createEnv, type Env } from '../env/env.ts';
export * from '../mem/gfp.ts';
export type { BufferChunk, HeapBuffer } from '../heaps/dma-buf.ts';
export type { DmaHeap, HeapAllocRequest } from '../heaps/dma-heap.ts';
export { createSystemHeaps, DEFAULT_SYSTEM_HEAPS_OPTIONS } from '../heaps/system-heap.ts';
export { defaultMachineConfig, parseMachineConfig, type MachineConfig } from '../machine/config.ts';
export { Machine } from '../machine/machine.ts';
export { createMachineTarget } from '../trace/machine-target.ts';
