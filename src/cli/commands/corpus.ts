// `pagelab corpus check [DIR] [--json]`: validates every corpus entry (schema, name, duplicate signatures) and replays each one: fixed entries are reported (never deleted), reproducing ones are open bugs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { loadCorpusEntry, replayCorpusEntry, type CorpusEntry } from '../../../properties/corpus.ts';
import { failureId } from '../../../properties/signature.ts';
import { EXIT_OK, reportUsageError } from '../io.ts';
import type { CliCommand, CliDeps } from './command.ts';

/** Exit status when an entry is malformed or duplicated, or a recorded failure still breaks. */
export const EXIT_CORPUS_PROBLEM = 1;

/** How one entry fared. */
export type EntryStatus = 'fixed' | 'reproduces' | 'changed' | 'malformed';

/** One file's verdict. */
export interface EntryCheck {
  readonly file: string;
  readonly status: EntryStatus;
  readonly detail: string;
  /** The signature id its ops give now (absent for malformed files). */
  readonly signatureId?: string;
}

/** The whole directory's verdict. */
export interface CorpusCheck {
  readonly dir: string;
  readonly entries: readonly EntryCheck[];
  /** Files sharing one signature id. */
  readonly duplicates: readonly (readonly string[])[];
  /** Entries whose id is not the signature of their ops (edited, or named by an older scheme): reported, not an error. */
  readonly renamed: readonly string[];
}

function replayed(file: string, entry: CorpusEntry): EntryCheck {
  const signatureId = failureId(entry.failure.invariant, entry.ops);
  const { result, reproduces } = replayCorpusEntry(entry);
  if (reproduces) return { file, status: 'reproduces', detail: `${entry.failure.invariant} still breaks (open bug; replay: npx pagelab replay ${file})`, signatureId };
  if (result.failure !== null) return { file, status: 'changed', detail: `a different invariant breaks: ${result.failure.invariant} (recorded ${entry.failure.invariant}): ${result.failure.message}`, signatureId };
  return { file, status: 'fixed', detail: 'passes now; it stays as the regression test of the fix', signatureId };
}

function checkFile(file: string): { check: EntryCheck; entry?: CorpusEntry } {
  const loaded = loadCorpusEntry(file);
  if (!loaded.ok) return { check: { file, status: 'malformed', detail: loaded.detail } };
  if (`${loaded.value.id}.json` !== basename(file)) return { check: { file, status: 'malformed', detail: `${file}: id: "${loaded.value.id}" does not match the file name` } };
  return { check: replayed(file, loaded.value), entry: loaded.value };
}

function duplicatesOf(entries: readonly EntryCheck[]): string[][] {
  const byId = new Map<string, string[]>();
  for (const entry of entries) if (entry.signatureId !== undefined) byId.set(entry.signatureId, [...(byId.get(entry.signatureId) ?? []), entry.file]);
  return [...byId.values()].filter((files) => files.length > 1);
}

/** Checks every file of `dir`: README.md is skipped, anything not named NAME.json is malformed (a stray or half-written file). */
export function checkCorpus(dir: string): CorpusCheck {
  const names = readdirSync(dir).filter((name) => name !== 'README.md').sort();
  const stray: EntryCheck[] = names.filter((name) => !name.endsWith('.json'))
    .map((name) => ({ file: join(dir, name), status: 'malformed', detail: `${join(dir, name)}: not a corpus entry (expected NAME.json)` }));
  const checked = names.filter((name) => name.endsWith('.json')).map((name) => checkFile(join(dir, name)));
  const entries = [...stray, ...checked.map((one) => one.check)].sort((a, b) => a.file.localeCompare(b.file));
  const renamed = checked.filter((one) => one.entry !== undefined && one.check.signatureId !== one.entry.id).map((one) => one.check.file);
  return { dir, entries, duplicates: duplicatesOf(entries), renamed };
}

function countOf(check: CorpusCheck, status: EntryStatus): number {
  return check.entries.filter((entry) => entry.status === status).length;
}

/** True when the check should fail CI: malformed or duplicated entries, or a recorded failure that still breaks. */
export function corpusHasProblems(check: CorpusCheck): boolean {
  return check.duplicates.length > 0 || check.entries.some((entry) => entry.status !== 'fixed');
}

const LABELS: Readonly<Record<EntryStatus, string>> = { fixed: 'fixed     ', reproduces: 'OPEN      ', changed: 'CHANGED   ', malformed: 'MALFORMED ' };

/** The text report. */
export function formatCorpusCheck(check: CorpusCheck): string {
  const lines = [`corpus check ${check.dir}: ${check.entries.length} entr${check.entries.length === 1 ? 'y' : 'ies'}`];
  for (const entry of check.entries) lines.push(`  ${LABELS[entry.status]}${entry.status === 'malformed' ? entry.detail : `${entry.file}: ${entry.detail}`}`);
  for (const files of check.duplicates) lines.push(`  DUPLICATE ${files.join(', ')}: one signature (the same bug twice)`);
  for (const file of check.renamed) lines.push(`  note      ${file}: its id is not the signature of its ops (edited, or named by an older scheme)`);
  lines.push(`result: ${countOf(check, 'fixed')} fixed, ${countOf(check, 'reproduces')} reproducing, ${countOf(check, 'changed')} changed, ` +
    `${countOf(check, 'malformed')} malformed, ${check.duplicates.length} duplicated`);
  return `${lines.join('\n')}\n`;
}

/** The flags as commander hands them over. */
export interface CorpusCheckFlags {
  readonly json?: boolean;
}

/** Runs `pagelab corpus check`: 1 for malformed, duplicated or still-failing entries, 0 when every entry is valid and fixed, 2 for a missing directory. */
export function runCorpusCheckCommand(dir: string, flags: CorpusCheckFlags, deps: CliDeps): number {
  if (!existsSync(dir)) return reportUsageError(deps.io, `cannot read ${dir}: No such file or directory`);
  if (!statSync(dir).isDirectory()) return reportUsageError(deps.io, `${dir}: not a directory`);
  const check = checkCorpus(dir);
  deps.io.writeStdout(flags.json === true ? `${JSON.stringify(check)}\n` : formatCorpusCheck(check));
  return corpusHasProblems(check) ? EXIT_CORPUS_PROBLEM : EXIT_OK;
}

const EXAMPLES = `
Every entry is validated (one line per bad file, naming the field), named by
its id, checked for duplicate signatures, and replayed: "fixed" entries pass now
and stay as regression tests (never deleted); "OPEN" entries still reproduce
their recorded failure (a known, unfixed bug); "CHANGED" ones break a different
invariant.

Examples:
  $ pagelab corpus check
  $ pagelab corpus check --json corpus/

Exit status: 1 when an entry is malformed or duplicated or still fails (so CI
stays red while a known bug is unfixed, as npm test does), 0 when every entry is
valid and fixed, 2 for a missing directory, 70 for a pagelab bug.`;

/** The `corpus` subcommand (today: `corpus check`). */
export const corpusCommand: CliCommand = {
  register(program: Command, deps: CliDeps, report: (status: number) => void): void {
    const corpus = program.command('corpus').description('work with the corpus of minimized failures');
    corpus
      .command('check')
      .description('validate the corpus directory and replay every entry (fixed, reproducing, malformed, duplicated)')
      .argument('[DIR]', 'the corpus directory', 'corpus')
      .option('--json', 'print the report as one JSON object')
      .addHelpText('after', EXAMPLES)
      .action((dir: string, flags: CorpusCheckFlags) => report(runCorpusCheckCommand(join(dir), flags, deps)));
  },
};
