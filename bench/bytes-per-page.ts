// Bytes per simulated page, measured: the growth of the V8 heap plus ArrayBuffer memory (typed arrays) across booting a 16 GiB machine, and across starting a harness run on it (machine + layout facts + shadow model), divided by the page count; beside the typed-array layout figures.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createEnv } from '../src/env/env.ts';
import { defaultMachineConfig } from '../src/machine/config.ts';
import { Machine } from '../src/machine/machine.ts';
import { startRun, type StartedRun } from '../properties/run-sequence.ts';
import type { BenchRow } from './bench-row.ts';

const GiB = 2 ** 30;
/** The machine measured. */
const MEM_BYTES = 16 * GiB;

/** A full garbage collection: node runs without --expose-gc, so the flag is set at run time and `gc` taken from a fresh context. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

/** Live V8 heap plus ArrayBuffer backing stores (where typed arrays live), after a full collection. */
function liveBytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function perPage(bytes: number, pageCount: number): number {
  return Math.round((bytes / pageCount) * 100) / 100;
}

/** Keeps what was booted reachable until it has been measured. */
const keep: unknown[] = [];

/** Boots a 16 GiB machine (default config) and measures what it costs per page. */
function machineBytes(): { measured: number; layout: number; pageCount: number } {
  const config = defaultMachineConfig({ memBytes: MEM_BYTES, cmdline: '' });
  if (!config.ok) throw new Error(config.detail);
  const before = liveBytes();
  const machine = Machine.create(config.value, createEnv('bench-bytes'));
  if (!machine.ok) throw new Error(machine.detail);
  keep.push(machine.value);
  const after = liveBytes();
  const table = machine.value.buddy.table;
  return { measured: after - before, layout: table.byteLength(), pageCount: table.pageCount };
}

/** Starts a checked harness run on a 16 GiB machine: the machine plus the harness's per-page arrays and the boot free blocks. */
function harnessBytes(): { measured: number; layout: number; pageCount: number } {
  const config = { banks: [{ name: 'dram0', base: 0, size: '16G', zone: 'Normal' }], cpus: 2, cmdline: 'cma=8M' };
  const before = liveBytes();
  const run = startRun({ config, seed: 'bench-bytes' });
  if (!run.ok) throw new Error(run.detail);
  const { ctx }: StartedRun = run.value;
  keep.push(run.value);
  const after = liveBytes();
  const table = ctx.machine.buddy.table;
  return { measured: after - before, layout: table.byteLength() + ctx.model.pageHandle.byteLength + ctx.facts.bits.byteLength, pageCount: table.pageCount };
}

/** Runs the bytes-per-page measurements. */
export async function benchBytesPerPage(): Promise<BenchRow[]> {
  const machine = machineBytes();
  keep.length = 0;
  await Promise.resolve();
  const harness = harnessBytes();
  keep.length = 0;
  const pages = `${machine.pageCount} pages (16 GiB)`;
  return [
    { name: 'bytes/page, machine, measured', value: perPage(machine.measured, machine.pageCount), unit: 'B/page', note: `${pages}: V8 heap + ArrayBuffers grown by Machine.create, after a full GC` },
    { name: 'bytes/page, machine, typed-array layout', value: perPage(machine.layout, machine.pageCount), unit: 'B/page', note: 'page table arrays + pageblock migratetypes (PageTable.byteLength)' },
    { name: 'bytes/page, harness run, measured', value: perPage(harness.measured, harness.pageCount), unit: 'B/page', note: 'startRun (checked): machine + layout facts + shadow model + boot free blocks, after a full GC' },
    { name: 'bytes/page, harness run, typed-array layout', value: perPage(harness.layout, harness.pageCount), unit: 'B/page', note: 'page table + shadow model page→handle (Int32) + layout facts (Uint8)' },
  ];
}
