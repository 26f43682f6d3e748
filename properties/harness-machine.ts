// The machine as the harness sees it: the subset of Machine the ops and invariants use, and the factory that boots one (tests inject broken ones).
import type { Result } from '../src/base/errno.ts';
import type { Env } from '../src/env/env.ts';
import type { MachineConfig } from '../src/machine/config.ts';
import { Machine } from '../src/machine/machine.ts';

/**
 * What the interpreter needs from a machine. `Machine` satisfies it; a test builds one around a
 * deliberately broken allocator (the canary) without any bug flag inside src/. Op modules for new
 * layers add the members they drive here (`cma`, `heaps`, ...).
 */
export type HarnessMachine = Pick<Machine, 'config' | 'layout' | 'env' | 'events' | 'owners' | 'buddy' | 'tick' | 'user' | 'pins' | 'contig' | 'compaction' | 'cma'> & Partial<HeapLayers>;

/**
 * The dma-buf heap layers (registry, shrinkers, pressure). Optional: a factory around a broken page
 * allocator leaves them out (the real ones sit on the real allocator) and the heap ops then skip.
 */
export type HeapLayers = Pick<Machine, 'heaps' | 'shrinkers' | 'pressure'>;

/** Boots the machine a scenario runs on; fails with a one-line detail when the config cannot boot. */
export type MachineFactory = (config: MachineConfig, env: Env) => Result<HarnessMachine>;

/** The real machine: `Machine.create`. */
export const defaultMachineFactory: MachineFactory = (config, env) => Machine.create(config, env, 'scenario config');
