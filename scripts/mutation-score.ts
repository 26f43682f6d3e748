// Mutation scores per src/ folder from StrykerJS JSON reports (mutation-testing-report-schema): parsing with field paths, tallying, the table.
import { z } from 'zod';

/** Mutant statuses of the report schema (version 1.x/2.x/3.x). */
const STATUSES = ['Killed', 'Survived', 'NoCoverage', 'Timeout', 'CompileError', 'RuntimeError', 'Ignored', 'Pending'] as const;
export type MutantStatus = (typeof STATUSES)[number];

const mutantSchema = z.object({
  status: z.enum(STATUSES),
  mutatorName: z.string(),
  replacement: z.string().optional(),
  location: z.object({ start: z.object({ line: z.number().int(), column: z.number().int() }) }),
});

const reportSchema = z.object({
  files: z.record(z.string(), z.object({ source: z.string(), mutants: z.array(mutantSchema) })),
});

/** One mutant as the table and the survivor list need it. */
export interface MutantResult {
  readonly status: MutantStatus;
  readonly mutatorName: string;
  readonly replacement: string;
  readonly line: number;
  /** The source line the mutant changes, trimmed. */
  readonly sourceLine: string;
}

/** One report: its source files and their mutants. */
export type MutationReport = ReadonlyMap<string, readonly MutantResult[]>;

/** Parses report JSON text; throws an Error naming the report and the field that is wrong. */
export function parseMutationReport(text: string, reportName: string): MutationReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${reportName}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : issue.path.join('.');
    throw new Error(`${reportName}: not a Stryker mutation report at ${where === '' ? 'the top level' : where}: ${issue?.message ?? 'invalid'}`);
  }
  return new Map(Object.entries(parsed.data.files).map(([path, file]) => {
    const lines = file.source.split('\n');
    return [path, file.mutants.map((m) => ({
      status: m.status,
      mutatorName: m.mutatorName,
      replacement: m.replacement ?? '',
      line: m.location.start.line,
      sourceLine: (lines[m.location.start.line - 1] ?? '').trim(),
    }))];
  }));
}

/** `path:line mutator status: replacement | source line`, for the mutants of one folder that no test detects. */
export function undetectedMutants(report: MutationReport, folder: string): string[] {
  const out: string[] = [];
  for (const [path, mutants] of report) {
    if (folderOf(path) !== folder) continue;
    for (const m of mutants) {
      if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
      out.push(`${path}:${m.line} ${m.mutatorName} ${m.status}: ${m.replacement.replace(/\s+/g, ' ')} | ${m.sourceLine}`);
    }
  }
  return out;
}

/** The folder a source path belongs to: `src/cma/cma-area.ts` -> `src/cma`. */
export function folderOf(path: string): string {
  const parts = path.replaceAll('\\', '/').split('/');
  const src = parts.indexOf('src');
  if (src < 0 || src + 2 >= parts.length) return parts.slice(0, -1).join('/') || '.';
  return parts.slice(src, src + 2).join('/');
}

/**
 * Keeps only the files of src/FOLDER: a report of `PAGELAB_MUTATION_FOLDER=FOLDER` speaks for its
 * folder only (Stryker copies results of other files it finds in the incremental file into the
 * report unchanged, so they are as old as that file).
 */
export function scopeReport(report: MutationReport, folder: string): MutationReport {
  return new Map([...report].filter(([path]) => folderOf(path) === folder));
}

/**
 * Merges reports given oldest first: a source file takes its mutants from the last report that has
 * it, so a fresh run of one folder replaces that folder's older results and nothing else.
 */
export function mergeReports(reportsOldestFirst: readonly MutationReport[]): MutationReport {
  const merged = new Map<string, readonly MutantResult[]>();
  for (const report of reportsOldestFirst) for (const [path, mutants] of report) merged.set(path, mutants);
  return merged;
}

export interface FolderScore {
  readonly folder: string;
  readonly counts: Readonly<Record<MutantStatus, number>>;
  /** Stryker's mutation score: (killed + timeout) / (killed + timeout + survived + no coverage), in %. */
  readonly scorePercent: number;
  /** The same over covered mutants only (no-coverage ones left out), in %. */
  readonly coveredScorePercent: number;
}

function zeroCounts(): Record<MutantStatus, number> {
  return Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<MutantStatus, number>;
}

function percent(part: number, whole: number): number {
  return whole === 0 ? Number.NaN : (100 * part) / whole;
}

function score(folder: string, counts: Record<MutantStatus, number>): FolderScore {
  const detected = counts.Killed + counts.Timeout;
  return {
    folder,
    counts,
    scorePercent: percent(detected, detected + counts.Survived + counts.NoCoverage),
    coveredScorePercent: percent(detected, detected + counts.Survived),
  };
}

/** Scores per folder, sorted by folder, and the total row last (folder `total`). */
export function scoresByFolder(report: MutationReport): FolderScore[] {
  const byFolder = new Map<string, Record<MutantStatus, number>>();
  const total = zeroCounts();
  for (const [path, mutants] of report) {
    const folder = folderOf(path);
    const counts = byFolder.get(folder) ?? zeroCounts();
    byFolder.set(folder, counts);
    for (const { status } of mutants) {
      counts[status] += 1;
      total[status] += 1;
    }
  }
  const rows = [...byFolder.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([folder, counts]) => score(folder, counts));
  return [...rows, score('total', total)];
}

const COLUMNS = ['folder', 'mutants', 'killed', 'timeout', 'survived', 'no cov.', 'ignored', 'errors', 'score %', 'covered %'] as const;

function cells(row: FolderScore): string[] {
  const c = row.counts;
  const mutants = STATUSES.reduce((sum, status) => sum + c[status], 0);
  const fixed = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(1));
  return [row.folder, mutants, c.Killed, c.Timeout, c.Survived, c.NoCoverage, c.Ignored, c.CompileError + c.RuntimeError, fixed(row.scorePercent), fixed(row.coveredScorePercent)].map(String);
}

/** A Markdown table (also readable as plain text). */
export function renderScores(rows: readonly FolderScore[]): string {
  const lines = [COLUMNS.join(' | '), COLUMNS.map((_name, i) => (i === 0 ? '---' : '---:')).join(' | '), ...rows.map((row) => cells(row).join(' | '))];
  return lines.map((line) => `| ${line} |`).join('\n');
}
