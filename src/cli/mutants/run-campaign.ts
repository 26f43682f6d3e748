// One fuzz campaign on a project copy, as a child process (`node bin/pagelab.mjs fuzz --json --workers 1 --stop-on-failure ...` with an empty corpus of its own), reduced to what the mutants report needs: the first failure or crash, when and after how many ops it was hit, and how short it minimized.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ProfileName } from '../../../properties/campaign-profile.ts';
import type { GenerationStrategy } from '../../../properties/campaign-run.ts';
import { parseCampaignSummary, type CampaignSummary } from '../../../properties/campaign-summary.ts';

/** What every campaign of a mutants run shares. */
export interface CampaignSettings {
  readonly seconds: number;
  readonly minimizeSeconds: number;
  readonly hangSeconds: number;
  readonly strategy: GenerationStrategy;
}

/** One campaign to run. */
export interface CampaignRequest {
  /** The project copy to run in. */
  readonly projectDir: string;
  readonly profile: ProfileName;
  readonly seed: number;
  readonly settings: CampaignSettings;
}

/** How one campaign ended. */
export type CampaignOutcome =
  | {
    readonly kind: 'found';
    /** The invariant that broke, or `hang` / `crash`. */
    readonly invariant: string;
    readonly message: string;
    /** Milliseconds from the campaign's start to the hit, and the exploring ops executed by then. */
    readonly firstHitElapsedMs: number;
    readonly opsBeforeHit: number;
    /** Ops of the minimized sequence (undefined for a hang or crash, which are not minimized). */
    readonly minimizedOps?: number;
    readonly originalOps?: number;
    readonly rerun: string;
    readonly elapsedMs: number;
  }
  | { readonly kind: 'clean'; readonly runs: number; readonly opsExecuted: number; readonly elapsedMs: number }
  | { readonly kind: 'error'; readonly detail: string };

/** Past the budget, the minimization and the hang timeout, a campaign is killed after this much more. */
export const CAMPAIGN_GRACE_SECONDS = 60;

/** The fuzz command line of a request (run in the copy, so the copy's patched src/ is what runs). */
export function fuzzArgs(request: CampaignRequest, corpusDir: string): string[] {
  const { settings } = request;
  return [
    join(request.projectDir, 'bin', 'pagelab.mjs'), 'fuzz', '--json', '--stop-on-failure', '--workers', '1',
    '--seconds', String(settings.seconds), '--seed', String(request.seed), '--profile', request.profile, '--corpus', corpusDir,
    '--minimize-seconds', String(settings.minimizeSeconds), '--hang-seconds', String(settings.hangSeconds), '--progress-seconds', '3600',
    ...(settings.strategy.swarm ? [] : ['--no-swarm']), ...(settings.strategy.ramp ? [] : ['--no-ramp']),
    ...(settings.strategy.bias === undefined ? [] : ['--bias', settings.strategy.bias]),
  ];
}

/** The earliest finding of a summary (failure or crash, a hang counted as `hang`), or `clean` when it found nothing. */
export function outcomeOf(summary: CampaignSummary): CampaignOutcome {
  const elapsedMs = summary.timing.elapsedMs;
  const failures = summary.failures.map((failure) => ({
    kind: 'found' as const, invariant: failure.invariant, message: failure.message, firstHitElapsedMs: failure.timing.firstHitElapsedMs,
    opsBeforeHit: failure.timing.opsBeforeFirstHit, minimizedOps: failure.opCount, originalOps: failure.originalOps, rerun: failure.rerun, elapsedMs,
  }));
  const crashes = summary.crashes.map((crash) => ({
    kind: 'found' as const, invariant: crash.message.includes('hang: ') ? 'hang' : 'crash', message: crash.message,
    firstHitElapsedMs: crash.timing.elapsedMs, opsBeforeHit: crash.timing.opsExecuted, rerun: crash.rerun, elapsedMs,
  }));
  const first = [...failures, ...crashes].sort((a, b) => a.firstHitElapsedMs - b.firstHitElapsedMs)[0];
  return first ?? { kind: 'clean', runs: summary.runs, opsExecuted: summary.opsExecuted, elapsedMs };
}

/** The last non-empty line of a child's stderr (its one-line error). */
function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}

/**
 * Runs the campaign in a child process and resolves with its outcome: `found` or `clean` from the
 * JSON summary, `error` when the child could not run (exit 2 or 70, no summary, killed after the
 * budget + minimization + hang timeout + CAMPAIGN_GRACE_SECONDS).
 */
export function runCampaign(request: CampaignRequest, corpusDir: string): Promise<CampaignOutcome> {
  const { settings } = request;
  const limitMs = (settings.seconds + settings.minimizeSeconds + settings.hangSeconds + CAMPAIGN_GRACE_SECONDS) * 1000;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, fuzzArgs(request, corpusDir), { cwd: request.projectDir, env: { ...process.env, PAGELAB_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'error', detail: `cannot start the campaign: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== null) return resolve({ kind: 'error', detail: `campaign killed (${signal}) after ${Math.round(limitMs / 1000)} s` });
      const summary = code === 0 || code === 1 ? parseCampaignSummary(stdout, 'the campaign summary') : undefined;
      if (summary?.ok === true) return resolve(outcomeOf(summary.value));
      const why = [summary?.ok === false ? summary.detail : '', lastLine(stderr)].filter((part) => part !== '').join('; ') || 'no output';
      resolve({ kind: 'error', detail: `campaign exited with ${code ?? 'no code'}: ${why}` });
    });
  });
}
