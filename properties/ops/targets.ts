// Symbolic op arguments shared by op modules: targets (the n-th live handle, modulo the number live) and CPUs (modulo the machine's CPU count).
import * as fc from 'fast-check';
import { z } from 'zod';
import type { Handle } from '../model/handle.ts';

/** Largest generated target index; any index is valid (it is taken modulo the number of live handles). */
export const TARGET_MAX = 1023;
/** Largest generated CPU number; taken modulo the machine's CPU count. */
export const CPU_MAX = 63;

/** A symbolic target; shrinks towards 0 (the oldest live handle). */
export function targetArbitrary(): fc.Arbitrary<number> {
  return fc.nat({ max: TARGET_MAX });
}

/** A symbolic CPU; shrinks towards CPU 0. */
export function cpuArbitrary(): fc.Arbitrary<number> {
  return fc.nat({ max: 3 });
}

/** JSON field of a target. */
export const targetField = z.number().int().min(0).max(2 ** 31 - 1);
/** JSON field of a CPU. */
export const cpuField = z.number().int().min(0).max(CPU_MAX);

/** `#3 pfn 2048 order 3`: a handle as transcripts show it. */
export function handleText(handle: Handle): string {
  return `#${handle.id} pfn ${handle.pfn} order ${handle.order}`;
}
