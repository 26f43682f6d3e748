// The heaps-heavy swarm: the `heaps` profile's weights and fault sites on a machine that always has a heaps section, with the buffer-making kinds weighted up so buffers and mappings exist to act on.
import * as fc from 'fast-check';
import { campaignSwarmArbitrary } from '../campaign-run.ts';
import type { Swarm } from '../scenario.ts';
import { machineConfigArbitrary } from './machine-config.ts';

/** Kinds kept at a weight of at least this much when the swarm has them on. */
const BUFFER_KINDS_WEIGHT_MIN = 40;
const BUFFER_KINDS = ['heapAlloc', 'bufMap', 'bufWrite', 'bufRead'];

/** Raises the buffer-making kinds that are on to BUFFER_KINDS_WEIGHT_MIN. */
export function withBufferWeights(weights: Readonly<Record<string, number>>): Record<string, number> {
  const raised = { ...weights };
  for (const kind of BUFFER_KINDS) if ((raised[kind] ?? 0) > 0) raised[kind] = Math.max(raised[kind] ?? 0, BUFFER_KINDS_WEIGHT_MIN);
  return raised;
}

/** Heaps-profile swarms on heaps machines (`config` pins the machine instead). */
export function heapsHeavySwarmArbitrary(config?: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Swarm> {
  const machines = config ?? machineConfigArbitrary().filter((each) => each['heaps'] !== undefined);
  return fc.tuple(campaignSwarmArbitrary('heaps'), machines).map(([swarm, machine]) => ({ ...swarm, config: machine, weights: withBufferWeights(swarm.weights) }));
}
