// Shared helpers for the machine-config tests: a valid one-bank config to extend, and parse results as a value or as the one-line error a user sees.
import { expect } from 'vitest';
import { parseMachineConfig, type MachineConfig } from '../../src/machine/config.ts';

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

/** The bank every example starts from: 256 MiB of Normal memory at 0, named dram0. */
export function bank(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'dram0', base: 0, size: '256M', zone: 'Normal', ...overrides };
}

/** A machine.json with the default bank and the given top-level fields. */
export function machine(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { banks: [bank()], ...overrides };
}

/** The validated config for `raw` (source "machine.json"); throws with the error line when it is refused. */
export function parsedOk(raw: unknown): MachineConfig {
  const result = parseMachineConfig(raw, 'machine.json');
  if (!result.ok) throw new Error(result.detail);
  return result.value;
}

/** The error line for `raw` (source "machine.json"); fails the test when the config is accepted. */
export function errorOf(raw: unknown): string {
  const result = parseMachineConfig(raw, 'machine.json');
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.detail;
}
