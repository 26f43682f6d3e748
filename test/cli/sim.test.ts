// `pagelab sim` end to end: spawned through bin/pagelab.mjs for exit statuses, one-line errors without stack traces and the annotated output; main() in-process for injected targets and internal errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/base/errno.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { SIM_TARGET_FACTORY } from '../../src/cli/wiring.ts';
import { createConfigOnlyTarget, type TraceTargetFactory } from '../../src/trace/target-factory.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pagelab.mjs');
const DIR = mkdtempSync(join(tmpdir(), 'pagelab-cli-'));

function file(name: string, text: string): string {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
}

function pagelab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: DIR, encoding: 'utf8', env: { ...process.env, PAGELAB_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectOneLineError(result: { status: number | null; stdout: string; stderr: string }, line: string): void {
  expect(result.status).toBe(2);
  expect(result.stderr).toBe(`pagelab: ${line}\n`);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const TRACE = file('t.trace', [
  '# procfs is read-only; a missing file or heap fails without stopping the run',
  'echo 16 > /proc/meminfo',
  '',
  'cat /proc/nosuch',
  'dma-heap-alloc nosuch 4096',
  'sim help stat',
  '',
].join('\n'));

describe('pagelab sim (spawned)', () => {
  it('runs a trace and prints the annotated transcript', () => {
    const result = pagelab('sim', '--annotate', 't.trace');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe([
      '2 rc=1',
      '4',
      '5 err ENOENT',
      '6 sim stat: prints free, cma_free, isolated_free, pcp and managed page counts',
      '',
    ].join('\n'));
    expect(result.stderr).toBe(
      'sh: write error: Input/output error\n' +
      "cat: can't open '/proc/nosuch': No such file or directory\n");
  });

  it('prints what the shell would without --annotate, and takes a config file', () => {
    const config = file('machine.json', JSON.stringify({
      banks: [{ name: 'dram0', base: 0, size: '512M', zone: 'Normal' }],
      cma: { areas: [{ name: 'mfc', size: '32M' }] },
      devices: [{ name: 'codec', cma: ['mfc'], exportHeap: true }],
    }));
    const result = pagelab('sim', '--config', config, '--mem', '1G', '--cmdline', 'cma=64M', TRACE);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('err ENOENT\nsim stat: prints free, cma_free, isolated_free, pcp and managed page counts\n');
  });

  it('an unparsable line stops everything with exit 2 before anything runs', () => {
    file('bad.trace', 'echo 1 > /sys/kernel/debug/cma/reserved/alloc\nls /sys\n');
    const result = pagelab('sim', '--annotate', 'bad.trace');
    expectOneLineError(result, 'bad.trace:2: unknown command "ls" (expected echo, cat, dma-heap-alloc or sim): ls /sys');
    expect(result.stdout).toBe('');
  });

  it('an unknown sim verb is a parse error', () => {
    file('verb.trace', 'sim frob 1\n');
    const result = pagelab('sim', 'verb.trace');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^pagelab: verb\.trace:1: unknown sim verb "frob" \(sim help lists them: [a-z, -]*help[a-z, -]*\): sim frob 1\n$/);
  });

  it.each([
    [['sim', 'missing.trace'], 'cannot read missing.trace: No such file or directory'],
    [['sim', '--mem', '3Q', 't.trace'], '--mem: unexpected "Q" after size in "3Q"'],
    [['sim', '--mem', '3M', 't.trace'], '--mem 3M: banks[0].size: must be a multiple of 2M (got 3M)'],
    [['sim', '--frob', 't.trace'], "unknown option '--frob' (see pagelab sim --help)"],
    [['sim'], "missing required argument 'TRACE' (see pagelab sim --help)"],
    [['frob'], "unknown command 'frob' (see pagelab --help)"],
    [['sim', '--config', 'nosuch.json', 't.trace'], 'cannot read nosuch.json: No such file or directory'],
  ])('bad input %j exits 2 with one line', (args, line) => {
    expectOneLineError(pagelab(...args), line);
  });

  it('invalid JSON and invalid configs exit 2 with one line naming the file', () => {
    file('broken.json', '{"banks": [');
    const broken = pagelab('sim', '--config', 'broken.json', 't.trace');
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/^pagelab: broken\.json: invalid JSON: [^\n]+\n$/);
    file('misaligned.json', JSON.stringify({ banks: [{ name: 'a', base: 0, size: '1G', zone: 'Normal' }, { name: 'b', base: '1G', size: '3M', zone: 'Normal' }] }));
    expectOneLineError(pagelab('sim', '--config', 'misaligned.json', 't.trace'), 'misaligned.json: banks[1].size: must be a multiple of 2M (got 3M)');
    file('two.json', JSON.stringify({ banks: [{ name: 'a', base: 0, size: '1G', zone: 'Normal' }, { name: 'b', base: '1G', size: '1G', zone: 'Normal' }] }));
    expectOneLineError(pagelab('sim', '--config', 'two.json', '--mem', '64M', 't.trace'),
      '--mem 64M: the config file describes 2 banks; --mem can only resize a single-bank machine (edit banks[] instead)');
  });

  it('--help shows examples and exits 0; no arguments shows help and exits 2', () => {
    const help = pagelab('sim', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: pagelab sim [options] <TRACE>');
    expect(help.stdout).toContain('$ pagelab sim --annotate --mem 1G --cmdline "cma=64M" trace.txt');
    const top = pagelab('--help');
    expect(top.status).toBe(0);
    expect(top.stdout).toContain('Examples:');
    const none = pagelab();
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('Usage: pagelab');
  });
});

function fakeIo(files: Record<string, string>, env: Record<string, string> = {}): CliIo & { out: string; errText: string } {
  const io = {
    out: '',
    errText: '',
    writeStdout: (text: string) => void (io.out += text),
    writeStderr: (text: string) => void (io.errText += text),
    readTextFile: (path: string) => {
      const text = files[path];
      return text === undefined ? err('ENOENT', `cannot read ${path}: No such file or directory`) : ok(text);
    },
    env: (name: string) => env[name],
  };
  return io;
}

describe('main (in process)', () => {
  it('runs against the target the factory builds, with the config it was given', async () => {
    const seen: string[] = [];
    const factory: TraceTargetFactory = (config, seed) => {
      seen.push(`${config.banks[0]?.sizeBytes} ${config.cmdline} ${seed}`);
      return createConfigOnlyTarget(config, seed);
    };
    const io = fakeIo({ 't.trace': 'sim help help\n' });
    expect(await main(['sim', '--annotate', 't.trace'], io, { simTargetFactory: factory })).toBe(0);
    expect(seen).toEqual([`${256 * 2 ** 20} cma=16M pagelab-sim`]);
    expect(io.out).toBe('1 sim help [VERB]: lists every sim verb with its usage, or describes one verb\n');
  });

  it('a machine that boots badly is blamed on the config file, or on the flags without one', async () => {
    const files = {
      't.trace': '',
      'board.json': JSON.stringify({ banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cma: { areas: [{ name: 'v', size: '128M' }] } }),
    };
    const fromFile = fakeIo(files);
    expect(await main(['sim', '--config', 'board.json', 't.trace'], fromFile, { simTargetFactory: SIM_TARGET_FACTORY })).toBe(2);
    expect(fromFile.errText).toMatch(/^pagelab: board\.json: cma\.areas\[0\] \(v\): EINVAL: cma_declare_contiguous: /);
    const fromFlags = fakeIo(files);
    expect(await main(['sim', '--mem', '64M', '--cmdline', 'cma=128M', 't.trace'], fromFlags, { simTargetFactory: SIM_TARGET_FACTORY })).toBe(2);
    expect(fromFlags.errText).toMatch(/^pagelab: --mem\/--cmdline: /);
  });

  it('a factory error is bad input: exit 2 and its detail', async () => {
    const io = fakeIo({ 't.trace': '' });
    const factory: TraceTargetFactory = () => err('EINVAL', 'cma=: cannot place 512M in 256M of memory');
    expect(await main(['sim', 't.trace'], io, { simTargetFactory: factory })).toBe(2);
    expect(io.errText).toBe('pagelab: cma=: cannot place 512M in 256M of memory\n');
  });

  it('an exception is an internal error: exit 70, a short message, no stack unless PAGELAB_DEBUG=1', async () => {
    const boom: TraceTargetFactory = () => {
      throw new TypeError('boom');
    };
    const io = fakeIo({ 't.trace': '' });
    expect(await main(['sim', 't.trace'], io, { simTargetFactory: boom })).toBe(70);
    expect(io.errText).toBe('pagelab: internal error: TypeError: boom\n' +
      'pagelab: this is a pagelab bug; please report it with the command line and input files (PAGELAB_DEBUG=1 prints the stack)\n');
    const debugIo = fakeIo({ 't.trace': '' }, { PAGELAB_DEBUG: '1' });
    expect(await main(['sim', 't.trace'], debugIo, { simTargetFactory: boom })).toBe(70);
    expect(debugIo.errText).toMatch(/\n\s+at /);
  });

  it('help for a command goes to stdout with exit 0', async () => {
    const io = fakeIo({});
    expect(await main(['help', 'sim'], io)).toBe(0);
    expect(io.out).toContain('Usage: pagelab sim');
  });
});
