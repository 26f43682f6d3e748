// One campaign run, generated from its seed: a swarm restricted to the profile (op kinds and fault sites switched on or off per run; with swarm testing off, every kind and site on at fixed weights; with the busy-CMA bias, CMA-heavy machines and weights), then an op list whose length follows the campaign's ramp; every op keeps its fast-check value so minimization can shrink it.
import * as fc from 'fast-check';
import { FAULT_SITES, type FaultSite } from '../src/env/faults.ts';
import { cmaSwarmArbitrary } from './arbitraries/cma-swarm.ts';
import { machineConfigArbitrary } from './arbitraries/machine-config.ts';
import { opWeightsArbitrary } from './arbitraries/op-weights.ts';
import { AUDIT_CADENCES } from './arbitraries/scenario.ts';
import { profileFaultSites, profileSpecs, type ProfileName } from './campaign-profile.ts';
import { seededRandom } from './campaign-seeds.ts';
import { faultSiteWeightKey } from './ops/buddy/machine-ops.ts';
import { ALLOCATING_KINDS, opArbitrary, type Op } from './ops/registry.ts';
import type { Scenario, Swarm } from './scenario.ts';

/** Shortest length cap of a ramp (runs start this short). */
export const RAMP_START_OPS = 16;
/** Fraction of the budget over which the cap grows geometrically to --max-ops; the rest runs at full length. */
export const RAMP_FRACTION = 0.5;
/** The weight allocPages gets when the profile filter left no allocating kind on. */
const FALLBACK_ALLOC_WEIGHT = 50;
/** Largest swarm weight of a fault site. */
const FAULT_SITE_WEIGHT_MAX = 10;

/**
 * The length cap at `progress` (0..1 of the budget): RAMP_START_OPS at 0, growing geometrically to
 * `maxOps` at RAMP_FRACTION, then `maxOps`. Short runs first find shallow bugs fast and cheaply;
 * long runs later reach fragmentation and pressure.
 */
export function lengthCapAt(progress: number, maxOps: number): number {
  const start = Math.min(RAMP_START_OPS, maxOps);
  const t = Math.min(Math.max(progress / RAMP_FRACTION, 0), 1);
  return Math.max(1, Math.round(start * (maxOps / start) ** t));
}

/** A generated run: the scenario and, per op, the fast-check value (with its shrink context) it came from. */
export interface GeneratedRun {
  readonly scenario: Scenario;
  readonly opValues: readonly fc.Value<Op>[];
  /** The arbitrary the ops were drawn from (shrinks them). */
  readonly opArbitrary: fc.Arbitrary<Op>;
}

/** How runs are generated: swarm testing (per-run op kinds, weights and fault sites) and the length ramp, each on or off. */
export interface GenerationStrategy {
  /** Off: every op kind of the profile and every fault site on, at fixed weights (uniformSwarmArbitrary). */
  readonly swarm: boolean;
  /** Off: every run is drawn at the full length cap (--max-ops) from the start. */
  readonly ramp: boolean;
  /**
   * `busy-cma`: machines that always have CMA areas and weights favouring user memory, pins, contig and
   * CMA ops (busyCmaSwarmArbitrary); `none`: the plain swarm. Absent: the profile's default (defaultBias).
   */
  readonly bias?: GenerationBias;
}

/** The generation biases (`pagelab fuzz --bias`). */
export const GENERATION_BIASES = ['none', 'busy-cma'] as const;

/** A generation bias. */
export type GenerationBias = (typeof GENERATION_BIASES)[number];

/**
 * The bias a profile's campaigns use unless told otherwise: busy-cma for `cma` (measured with the
 * seeded-bug catalogue: CMA and contig bugs found in 0.80× the time and 0.35× the ops, docs/mutants.md),
 * none elsewhere (`all` needs its heap kinds, which the CMA swarm switches off).
 */
export function defaultBias(profile: ProfileName): GenerationBias {
  return profile === 'cma' ? 'busy-cma' : 'none';
}

/** What `pagelab fuzz` does unless told otherwise. */
export const DEFAULT_STRATEGY: GenerationStrategy = { swarm: true, ramp: true };

/** A site weight: off half of the time, else 1..FAULT_SITE_WEIGHT_MAX. */
function siteWeightArbitrary(): fc.Arbitrary<number> {
  return fc.oneof(fc.constant(0), fc.integer({ min: 1, max: FAULT_SITE_WEIGHT_MAX }));
}

/** Zeroes kinds outside the profile, keeps an allocating kind on, and adds the per-site fault weights. */
function restrictWeights(weights: Readonly<Record<string, number>>, profileKinds: ReadonlySet<string>, sites: Readonly<Partial<Record<FaultSite, number>>>): Record<string, number> {
  const restricted: Record<string, number> = {};
  for (const [kind, weight] of Object.entries(weights)) restricted[kind] = profileKinds.has(kind) ? weight : 0;
  if (!ALLOCATING_KINDS.some((kind) => (restricted[kind] ?? 0) > 0)) restricted[ALLOCATING_KINDS[0] as string] = FALLBACK_ALLOC_WEIGHT;
  let anySite = false;
  for (const site of FAULT_SITES) {
    const weight = sites[site] ?? 0;
    restricted[faultSiteWeightKey(site)] = weight;
    anySite ||= weight > 0;
  }
  if (!anySite) restricted['armFault'] = 0;
  return restricted;
}

/**
 * A campaign swarm for `profile`: machine, machine seed, audit cadence, op weights (drawn for the
 * profile's kinds only, so a run of one profile does not change when op modules of other groups are
 * registered) and fault sites.
 */
export function campaignSwarmArbitrary(profile: ProfileName): fc.Arbitrary<Swarm> {
  const specs = profileSpecs(profile);
  const kinds = new Set<string>(specs.map((spec) => spec.kind));
  const sites = profileFaultSites(profile);
  const swarm = fc.record({
    config: machineConfigArbitrary(), seed: fc.integer({ min: 0, max: 0x7fffffff }).map(String), auditEvery: fc.constantFrom(...AUDIT_CADENCES), weights: opWeightsArbitrary(specs),
  });
  return fc.record({ swarm, siteWeights: fc.tuple(...sites.map(siteWeightArbitrary)) }).map(({ swarm: drawn, siteWeights }) => {
    const bySite: Partial<Record<FaultSite, number>> = {};
    sites.forEach((site, index) => (bySite[site] = siteWeights[index] ?? 0));
    return { ...drawn, weights: restrictWeights(drawn.weights, kinds, bySite) };
  });
}

/** The fixed weight of a kind without swarm testing: the middle of the range a swarm draws it from. */
function uniformWeight(weightMax: number | undefined): number {
  return Math.ceil((weightMax ?? 100) / 2);
}

/**
 * The swarm with swarm testing off: machine, machine seed and audit cadence drawn as usual, but every
 * op kind of `profile` on at uniformWeight(weightMax) and every fault site it reaches on at half of
 * FAULT_SITE_WEIGHT_MAX, in every run.
 */
export function uniformSwarmArbitrary(profile: ProfileName): fc.Arbitrary<Swarm> {
  const specs = profileSpecs(profile);
  const weights: Record<string, number> = {};
  for (const spec of specs) weights[spec.kind] = uniformWeight(spec.weightMax);
  const bySite: Partial<Record<FaultSite, number>> = {};
  for (const site of profileFaultSites(profile)) bySite[site] = FAULT_SITE_WEIGHT_MAX / 2;
  const fixed = restrictWeights(weights, new Set(specs.map((spec) => spec.kind)), bySite);
  return fc.record({ config: machineConfigArbitrary(), seed: fc.integer({ min: 0, max: 0x7fffffff }).map(String), auditEvery: fc.constantFrom(...AUDIT_CADENCES) })
    .map((drawn) => ({ ...drawn, weights: { ...fixed } }));
}

/**
 * The busy-CMA swarm for `profile`: the CMA property tests' swarm (cma-swarm.ts: machines that always
 * have CMA areas, contig and CMA kinds weighted up, buddy kinds light, fault sites of their own),
 * restricted to the profile's kinds and sites. A profile without CMA ops gets campaignSwarmArbitrary.
 */
export function busyCmaSwarmArbitrary(profile: ProfileName): fc.Arbitrary<Swarm> {
  const specs = profileSpecs(profile);
  if (!specs.some((spec) => spec.group === 'cma')) return campaignSwarmArbitrary(profile);
  const kinds = new Set<string>(specs.map((spec) => spec.kind));
  const sites = profileFaultSites(profile);
  return cmaSwarmArbitrary().map((drawn) => {
    const bySite: Partial<Record<FaultSite, number>> = {};
    for (const site of sites) bySite[site] = drawn.weights[faultSiteWeightKey(site)] ?? 0;
    return { ...drawn, weights: restrictWeights(drawn.weights, kinds, bySite) };
  });
}

/** The swarm arbitrary of a strategy (the bias applies to swarm testing; without it the weights are fixed). */
function swarmArbitraryOf(profile: ProfileName, strategy: Pick<GenerationStrategy, 'swarm' | 'bias'>): fc.Arbitrary<Swarm> {
  if (!strategy.swarm) return uniformSwarmArbitrary(profile);
  return (strategy.bias ?? defaultBias(profile)) === 'busy-cma' ? busyCmaSwarmArbitrary(profile) : campaignSwarmArbitrary(profile);
}

/**
 * Draws run `seed` of a campaign: the swarm (campaignSwarmArbitrary; uniformSwarmArbitrary when
 * `swarm` is off; busyCmaSwarmArbitrary with the busy-cma bias, the `cma` profile's default), a
 * length uniform in [ceil(cap/2), cap], and the ops.
 */
export function generateRun(seed: number, profile: ProfileName, lengthCap: number, strategy: Pick<GenerationStrategy, 'swarm' | 'bias'> = DEFAULT_STRATEGY): GeneratedRun {
  const random = seededRandom(seed);
  const swarm = swarmArbitraryOf(profile, strategy).generate(random, undefined).value;
  const arbitrary = opArbitrary(swarm);
  const length = random.nextInt(Math.ceil(lengthCap / 2), lengthCap);
  const opValues: fc.Value<Op>[] = [];
  for (let i = 0; i < length; i++) opValues.push(arbitrary.generate(random, undefined));
  return { scenario: { ...swarm, ops: opValues.map((value) => value.value) }, opValues, opArbitrary: arbitrary };
}
