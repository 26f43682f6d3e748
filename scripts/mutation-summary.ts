// `npm run mutation:summary [-- [--survivors src/FOLDER] [DIR]]`: the per-folder mutation-score table from every Stryker JSON report in reports/mutation/ (newest report wins per source file), or one folder's undetected mutants.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { folderOf, mergeReports, parseMutationReport, renderScores, scopeReport, scoresByFolder, undetectedMutants, type MutationReport } from './mutation-score.ts';

function reportsOldestFirst(dir: string): { name: string; report: MutationReport; modified: Date }[] {
  const names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  const reports = names.map((name) => {
    const path = join(dir, name);
    const report = parseMutationReport(readFileSync(path, 'utf8'), path);
    // reports/mutation/cma.json comes from PAGELAB_MUTATION_FOLDER=cma; mutation.json (all of src/) and others count whole.
    const folder = `src/${basename(name, '.json')}`;
    const scoped = [...report.keys()].some((file) => folderOf(file) === folder) ? scopeReport(report, folder) : report;
    return { name, report: scoped, modified: statSync(path).mtime };
  });
  return reports.sort((a, b) => a.modified.getTime() - b.modified.getTime());
}

function main(): number {
  try {
    const { values, positionals } = parseArgs({ options: { survivors: { type: 'string' } }, allowPositionals: true });
    const dir = positionals[0] ?? 'reports/mutation';
    const reports = reportsOldestFirst(dir);
    if (reports.length === 0) {
      console.error(`${dir}: no Stryker JSON report; run \`npm run mutation\` (or PAGELAB_MUTATION_FOLDER=cma npm run mutation) first`);
      return 2;
    }
    const merged = mergeReports(reports.map((entry) => entry.report));
    if (values.survivors !== undefined) {
      console.log(undetectedMutants(merged, values.survivors.replace(/\/$/, '')).join('\n'));
      return 0;
    }
    for (const { name, modified } of reports) console.log(`report ${name} (${modified.toISOString()})`);
    console.log(renderScores(scoresByFolder(merged)));
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
}

process.exitCode = main();
