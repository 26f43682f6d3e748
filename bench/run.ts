// `npm run bench [-- --json --only harness,buddy --long]`: runs every bench module in bench/ (each exported `benchXxx(): Promise<BenchRow[]>`) and prints one aligned table (or JSON), with the host load it ran under.
import { availableParallelism, loadavg } from 'node:os';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchRow } from './bench-row.ts';

/** Files in bench/ that are not bench modules (runners and shared types). */
const NOT_MODULES = new Set(['run.ts', 'bench-row.ts']);

type BenchFunction = () => Promise<BenchRow[]>;

const USAGE = `usage: npm run bench -- [--json] [--only MODULE[,MODULE...]] [--long]
  --json   print {host, elapsedSeconds, rows} as JSON instead of the table
  --only   run only these modules (file names in bench/ without .ts), e.g. --only harness,bytes-per-page
  --long   the 10-minute campaign memory measurement (same as PAGELAB_BENCH_LONG=1)`;

function options(): { json: boolean; only: Set<string> | undefined } {
  try {
    const { values } = parseArgs({ options: { json: { type: 'boolean' }, only: { type: 'string' }, long: { type: 'boolean' }, help: { type: 'boolean' } } });
    if (values.help === true) {
      console.log(USAGE);
      process.exit(0);
    }
    // Why an env var: bench/campaign.ts reads it when it is imported, which happens below.
    if (values.long === true) process.env['PAGELAB_BENCH_LONG'] = '1';
    return { json: values.json === true, only: values.only === undefined ? undefined : new Set(values.only.split(',').map((name) => name.trim())) };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

/** Every `bench*` function of every module, by file name: a new module needs no edit here. */
async function benchFunctions(only: Set<string> | undefined): Promise<{ readonly module: string; readonly run: BenchFunction }[]> {
  const dir = import.meta.dirname;
  const files = readdirSync(dir).filter((name) => name.endsWith('.ts') && !NOT_MODULES.has(name) && !name.startsWith('run-')).sort();
  const modules = files.map((file) => file.replace(/\.ts$/, ''));
  const unknown = only === undefined ? [] : [...only].filter((name) => !modules.includes(name));
  if (unknown.length > 0) {
    console.error(`no bench module ${unknown.join(', ')} (modules: ${modules.join(', ')})`);
    process.exit(2);
  }
  const found: { module: string; run: BenchFunction }[] = [];
  for (const file of files) {
    const name = file.replace(/\.ts$/, '');
    if (only !== undefined && !only.has(name)) continue;
    const module = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    for (const [exported, value] of Object.entries(module)) {
      if (/^bench[A-Z]/.test(exported) && typeof value === 'function') found.push({ module: name, run: value as BenchFunction });
    }
  }
  return found;
}

/** One table: module, benchmark, value, unit, what it measured; columns padded to their widest cell. */
function table(rows: readonly (readonly [string, BenchRow])[]): string {
  const cells = [['module', 'benchmark', 'value', 'unit', 'what it measured'], ...rows.map(([module, row]) => [module, row.name, row.value.toLocaleString('en-US'), row.unit, row.note ?? ''])];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...cells.map((line) => (line[column] ?? '').length)));
  return cells.map((line) => line.map((cell, column) => {
    if (column === 4) return cell;
    return column === 2 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0);
  }).join('  ').trimEnd()).join('\n');
}

/** The host conditions the numbers were taken under (other load skews every row). */
function host(): { node: string; cpus: number; loadAverage1m: number; loadAverage5m: number; loadAverage15m: number } {
  const [one, five, fifteen] = loadavg().map((value) => Math.round(value * 100) / 100);
  return { node: process.version, cpus: availableParallelism(), loadAverage1m: one ?? 0, loadAverage5m: five ?? 0, loadAverage15m: fifteen ?? 0 };
}

const { json, only } = options();
const startedMs = performance.now();
const before = host();
const rows: [string, BenchRow][] = [];
for (const bench of await benchFunctions(only)) {
  for (const row of await bench.run()) rows.push([bench.module, row]);
}
const elapsedSeconds = Math.round((performance.now() - startedMs) / 100) / 10;
const after = host();
if (json) {
  console.log(JSON.stringify({ host: { before, after }, elapsedSeconds, rows: rows.map(([module, row]) => ({ module, ...row })) }, null, 2));
} else {
  console.log(`node ${before.node}, ${before.cpus} CPUs, load average at start ${before.loadAverage1m} ${before.loadAverage5m} ${before.loadAverage15m}, at end ${after.loadAverage1m} ${after.loadAverage5m} ${after.loadAverage15m}\n`);
  console.log(table(rows));
  console.log(`\n${rows.length} rows in ${elapsedSeconds} s`);
}
