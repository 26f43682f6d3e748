// The cmaAlloc and deviceAlloc ops: cma_alloc on an area picked by index (any count, alignments above and below order_per_bit), and a device allocation that falls back through its areas, both checked against kernel-reference 1-9, 12 and 13.
import * as fc from 'fast-check';
import { z } from 'zod';
import type { Errno } from '../../../src/base/errno.ts';
import type { Pfn } from '../../../src/base/units.ts';
import { checkCmaEvents, type CmaCallRecord, type CmaRequest } from '../../invariants/cma-alloc.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import type { CmaAreaModel } from '../../model/cma-model.ts';
import { contigLayer, type ContigLayer } from '../contig/contig-layer.ts';
import type { ContigCall } from '../contig/contig-spy.ts';
import { pickTarget } from '../contig/user-pages.ts';
import { errnoOutcome, okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { targetArbitrary, targetField } from '../targets.ts';
import { areaBefore, callsIn, checkAreaCall, realArea, settleAreaCall, type AreaBefore } from './area-call.ts';

const countField = z.number().int().min(0).max(2 ** 24);
const alignField = z.number().int().min(0).max(30);
const allocSchema = z.strictObject({ op: z.literal('cmaAlloc'), area: targetField, pageCount: countField, alignOrder: alignField });
const deviceSchema = z.strictObject({ op: z.literal('deviceAlloc'), device: targetField, pageCount: countField, alignOrder: alignField });

/** `{ "op": "cmaAlloc", "area": 1, "pageCount": 16, "alignOrder": 4 }`: cma_alloc on the 1st area (modulo the machine's areas). */
export type CmaAllocOp = z.infer<typeof allocSchema>;
/** `{ "op": "deviceAlloc", "device": 0, "pageCount": 16, "alignOrder": 4 }`: the 0th device allocates, trying its areas in order (or the default area). */
export type DeviceAllocOp = z.infer<typeof deviceSchema>;

/** Counts: 0 now and then (invariant 5), mostly small, sometimes large, rarely more than an area holds. */
export function cmaCountArbitrary(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.constant(0), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 32 }), weight: 8 },
    { arbitrary: fc.integer({ min: 33, max: 1024 }), weight: 3 },
    { arbitrary: fc.integer({ min: 1025, max: 20000 }), weight: 1 },
  );
}

/** Alignments: mostly at or below order_per_bit-ish, often above, up to 2^12 (beyond the base alignment of most areas: M1/M2). */
export function cmaAlignArbitrary(): fc.Arbitrary<number> {
  return fc.oneof({ arbitrary: fc.integer({ min: 0, max: 4 }), weight: 3 }, { arbitrary: fc.integer({ min: 5, max: 12 }), weight: 2 });
}

/** One area's call: its record for the checks. */
function recordOf(ctx: OpContext, area: CmaAreaModel, request: CmaRequest, calls: CmaCallRecord['calls'], result: CmaCallRecord['result']): CmaCallRecord {
  return { area, real: realArea(ctx, area), request, calls, result };
}

/** alloc_contig_range calls so far, as the contig layer's vm events count them. */
function contigEventCount(ctx: OpContext): number {
  return ctx.machine.events.get('contig_alloc_success') + ctx.machine.events.get('contig_alloc_fail');
}

function applyAlloc(ctx: OpContext, op: CmaAllocOp): OpOutcome {
  const layer = contigLayer(ctx);
  const area = pickTarget(layer.cma.areas, op.area);
  if (area === undefined) return skipOutcome('the machine has no CMA area');
  const request = { pageCount: op.pageCount, alignOrder: op.alignOrder };
  const before = ctx.checking ? areaBefore(ctx, layer, area, request) : undefined;
  const events = { successes: ctx.machine.events.get('cma_alloc_success'), failures: ctx.machine.events.get('cma_alloc_fail') };
  const mark = layer.spy.calls.length;
  const contigBefore = contigEventCount(ctx);
  const owner = layer.newOwner('cma');
  const got = ctx.machine.cma.alloc(area.name, { ...request, owner });
  const record = { ...recordOf(ctx, area, request, callsIn(area, layer.spy.calls.slice(mark)), got.ok ? { pfn: got.value } : { errno: got.errno }), contigEvents: contigEventCount(ctx) - contigBefore };
  const checked = before === undefined ? undefined : layer.spy.failure ?? checkAreaCall(ctx, record, before, owner);
  if (checked !== undefined) return got.ok ? okOutcome(`pfn ${got.value}`, checked) : errnoOutcome(got.errno, got.errno, checked);
  const settled = settleAreaCall(ctx, layer, record, owner, 'alloc');
  const failure = settled.failure ?? (ctx.checking ? checkCmaEvents(ctx, events.successes, events.failures, { successes: got.ok ? 1 : 0, failures: got.ok ? 0 : 1 }) : undefined);
  if (!got.ok) return errnoOutcome(got.errno, `${area.name}: ${got.errno} after ${record.calls.length} probes`, failure);
  return okOutcome(`cma#${settled.allocation?.id} ${area.name} pfn ${got.value} (probe ${record.calls.length})`, failure);
}

/** The areas a device allocates from, as the config says: its list, or the default area `reserved` for an empty one. */
function deviceAreas(layer: ContigLayer, areaNames: readonly string[]): CmaAreaModel[] {
  const names = areaNames.length > 0 ? areaNames : ['reserved'];
  return names.map((name) => layer.cma.area(name)).filter((area): area is CmaAreaModel => area !== undefined);
}

/** What cma_alloc returned on an area the device passed over: its last probe's errno (ENOMEM when it probed nothing). */
function failedAreaErrno(calls: readonly ContigCall[]): Errno {
  const last = calls[calls.length - 1];
  return last === undefined || last.result === 'ok' ? 'ENOMEM' : last.result;
}

/** The areas tried, in order, checked one by one; the served one (if any) becomes a live allocation. */
function checkDeviceCalls(ctx: OpContext, layer: ContigLayer, areas: readonly CmaAreaModel[], befores: readonly AreaBefore[], served: { area: string; pfn: Pfn } | undefined, mark: number, request: CmaRequest, owner: number): { failure?: InvariantFailure; id?: number } {
  const servedIndex = served === undefined ? areas.length - 1 : areas.findIndex((area) => area.name === served.area);
  if (served !== undefined && servedIndex < 0) return { failure: fail('cma-containment', `the device allocation came from area ${served.area}, which is not in its list [${areas.map((a) => a.name).join(', ')}]`) };
  const calls = layer.spy.calls.slice(mark);
  let id: number | undefined;
  for (let i = 0; i <= servedIndex; i++) {
    const area = areas[i] as CmaAreaModel;
    const mine = callsIn(area, calls);
    const result = served !== undefined && i === servedIndex ? { pfn: served.pfn } : { errno: failedAreaErrno(mine) };
    const record = recordOf(ctx, area, request, mine, result);
    const before = befores[i];
    const checked = before === undefined ? undefined : checkAreaCall(ctx, record, before, owner);
    if (checked !== undefined) return { failure: checked };
    const settled = settleAreaCall(ctx, layer, record, owner, 'device');
    if (settled.failure !== undefined) return { failure: settled.failure };
    id = settled.allocation?.id ?? id;
  }
  for (const area of areas.slice(servedIndex + 1)) {
    if (callsIn(area, calls).length > 0) return { failure: fail('cma-retry-errno', `the device allocation was served by an earlier area but probed ${area.name} too`) };
  }
  return id === undefined ? {} : { id };
}

function applyDevice(ctx: OpContext, op: DeviceAllocOp): OpOutcome {
  const layer = contigLayer(ctx);
  const device = pickTarget(ctx.machine.config.devices, op.device);
  if (device === undefined) return skipOutcome('the machine has no device');
  const areas = deviceAreas(layer, device.cmaAreas);
  const request = { pageCount: op.pageCount, alignOrder: op.alignOrder };
  // Only the first area's window is predicted: probes of earlier areas may migrate pages into later ones.
  const befores = ctx.checking ? areas.map((area, i) => {
    const before = areaBefore(ctx, layer, area, request);
    return i === 0 ? before : { ...before, prediction: { ...before.prediction, idle: false } };
  }) : [];
  const events = { successes: ctx.machine.events.get('cma_alloc_success'), failures: ctx.machine.events.get('cma_alloc_fail') };
  const mark = layer.spy.calls.length;
  const owner = layer.newOwner('cma');
  const got = ctx.machine.cma.deviceAlloc(device.name, { ...request, owner });
  const served = got.ok ? { area: got.value.area.name, pfn: got.value.pfn } : undefined;
  if (!got.ok && ctx.checking && got.errno !== 'ENOMEM') return errnoOutcome(got.errno, got.errno, fail('cma-retry-errno', `device ${device.name} failed with ${got.errno}`, { expected: 'ENOMEM', actual: got.errno }));
  const checked = checkDeviceCalls(ctx, layer, areas, befores, served, mark, request, owner);
  const tried = served === undefined ? areas.length : areas.findIndex((area) => area.name === served.area) + 1;
  const failure = (ctx.checking ? layer.spy.failure : undefined) ?? checked.failure ??
    (ctx.checking ? checkCmaEvents(ctx, events.successes, events.failures, { successes: got.ok ? 1 : 0, failures: tried - (got.ok ? 1 : 0) }) : undefined);
  if (!got.ok) return errnoOutcome(got.errno, `${device.name}: ${got.errno} from ${areas.length} areas`, failure);
  return okOutcome(`cma#${checked.id} ${device.name} → ${got.value.area.name} pfn ${got.value.pfn}`, failure);
}

/** The cmaAlloc op kind. */
export const cmaAllocSpec: OpSpec<CmaAllocOp> = {
  kind: 'cmaAlloc',
  group: 'cma',
  summary: 'cma_alloc(area, count, align) on an area by index; the pages become a live CMA allocation',
  schema: allocSchema,
  arbitrary: () => fc.record({ op: fc.constant('cmaAlloc' as const), area: fc.nat({ max: 7 }), pageCount: cmaCountArbitrary(), alignOrder: cmaAlignArbitrary() }),
  apply: applyAlloc,
  describe: (op) => `cmaAlloc area ${op.area} ${op.pageCount} pages align ${op.alignOrder}`,
};

/** The deviceAlloc op kind. */
export const deviceAllocSpec: OpSpec<DeviceAllocOp> = {
  kind: 'deviceAlloc',
  group: 'cma',
  summary: 'a device allocates from its CMA areas in fallback order (the default area when it lists none)',
  schema: deviceSchema,
  arbitrary: () => fc.record({ op: fc.constant('deviceAlloc' as const), device: targetArbitrary(), pageCount: cmaCountArbitrary(), alignOrder: cmaAlignArbitrary() }),
  apply: applyDevice,
  describe: (op) => `deviceAlloc device ${op.device} ${op.pageCount} pages align ${op.alignOrder}`,
};
