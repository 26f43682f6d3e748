// `npm run bench`: runs every bench module in bench/ (each exported `benchXxx(): Promise<BenchRow[]>`) and prints one aligned table.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow } from './bench-row.ts';

/** Files in bench/ that are not bench modules (runners and shared types). */
const NOT_MODULES = new Set(['run.ts', 'bench-row.ts']);

type BenchFunction = () => Promise<BenchRow[]>;

/** Every `bench*` function of every module, by file name: a new module needs no edit here. */
async function benchFunctions(): Promise<{ readonly module: string; readonly run: BenchFunction }[]> {
  const dir = import.meta.dirname;
  const files = readdirSync(dir).filter((name) => name.endsWith('.ts') && !NOT_MODULES.has(name) && !name.startsWith('run-')).sort();
  const found: { module: string; run: BenchFunction }[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (/^bench[A-Z]/.test(name) && typeof value === 'function') found.push({ module: file.replace(/\.ts$/, ''), run: value as BenchFunction });
    }
  }
  return found;
}

/** One table: module, benchmark, value, unit, note; columns padded to their widest cell. */
function table(rows: readonly (readonly [string, BenchRow])[]): string {
  const cells = [['module', 'benchmark', 'value', 'unit', 'note'], ...rows.map(([module, row]) => [module, row.name, row.value.toLocaleString('en-US'), row.unit, row.note ?? ''])];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...cells.map((line) => (line[column] ?? '').length)));
  return cells.map((line) => line.map((cell, column) => {
    if (column === 4) return cell;
    return column === 2 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0);
  }).join('  ').trimEnd()).join('\n');
}

const rows: [string, BenchRow][] = [];
for (const bench of await benchFunctions()) {
  for (const row of await bench.run()) rows.push([bench.module, row]);
}
console.log(table(rows));
