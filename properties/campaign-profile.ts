// Campaign profiles: which op groups (and so which op kinds and fault sites) a `pagelab fuzz --profile` campaign draws from.
import { FAULT_SITES, type FaultSite } from '../src/env/faults.ts';
import type { OpGroup, OpSpec } from './ops/op.ts';
import { OP_SPECS, type Op } from './ops/registry.ts';

/** Each profile's op groups. New op modules slot in by declaring their `group`. */
export const PROFILES = {
  buddy: ['buddy'],
  cma: ['buddy', 'contig', 'cma'],
  heaps: ['buddy', 'heaps'],
  all: ['buddy', 'contig', 'cma', 'heaps'],
} as const satisfies Record<string, readonly OpGroup[]>;

/** A profile name (`--profile`). */
export type ProfileName = keyof typeof PROFILES;

/** Every profile name, in --help order. */
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

/** The op groups whose code paths consult each fault site (where arming it can change an outcome). */
export const FAULT_SITE_GROUPS: Readonly<Record<FaultSite, readonly OpGroup[]>> = {
  page_alloc: ['buddy'],
  migrate: ['contig', 'cma'],
  isolate: ['contig', 'cma'],
  transient_pin: ['contig', 'cma'],
  fatal_signal: ['contig', 'cma', 'heaps'],
};

/** True when `name` is a profile name. */
export function isProfileName(name: string): name is ProfileName {
  return Object.prototype.hasOwnProperty.call(PROFILES, name);
}

/** The group an op spec declares (buddy specs declare none). */
export function groupOf(spec: { readonly group?: OpGroup }): OpGroup {
  return spec.group ?? 'buddy';
}

/** The groups of `profile` that have at least one registered op kind. */
export function reachableGroups(profile: ProfileName, specs: readonly { readonly group?: OpGroup }[] = OP_SPECS): OpGroup[] {
  const registered = new Set(specs.map(groupOf));
  return PROFILES[profile].filter((group) => registered.has(group));
}

/** The op specs a profile draws from. */
export function profileSpecs(profile: ProfileName): OpSpec<Op>[] {
  const groups: readonly OpGroup[] = PROFILES[profile];
  return (OP_SPECS as readonly OpSpec<Op>[]).filter((spec) => groups.includes(groupOf(spec)));
}

/** The fault sites a profile's swarm may switch on: those consulted by a reachable group. */
export function profileFaultSites(profile: ProfileName, specs: readonly { readonly group?: OpGroup }[] = OP_SPECS): FaultSite[] {
  const groups = reachableGroups(profile, specs);
  return FAULT_SITES.filter((site) => FAULT_SITE_GROUPS[site].some((group) => groups.includes(group)));
}
