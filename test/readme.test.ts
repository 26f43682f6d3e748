// Keeps README.md and docs/ true: the first two commands, every registered sim verb listed in docs/trace-shell.md (read from the verb registry at run time), the documented transcripts re-run, the documented configs booted.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { createEnv } from '../src/env/env.ts';
import { defaultMachineConfig, parseMachineConfig } from '../src/machine/config.ts';
import { Machine } from '../src/machine/machine.ts';
import { createMachineTraceTarget } from '../src/trace/machine-target.ts';
import type { SimVerbInfo, SimVerbRegistry } from '../src/trace/sim-verbs.ts';
import { capturingIo } from './cli/cli-io-fixture.ts';

const ROOT = join(import.meta.dirname, '..');
const README = 'README.md';
/** The file that lists every sim verb (the README links to it). */
const VERB_REFERENCE = 'docs/trace-shell.md';

function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The opening the README must keep: the two commands come first. */
const README_OPENING = [
  '# pagelab',
  '',
  '```sh',
  'npm ci && npm run fuzz     # the main job: a bounded fuzz campaign on the default machine swarm, with a summary',
  'npm ci && npm test         # type-check, unit/scenario/property tests, corpus replay, coverage (fresh seed, printed)',
  '```',
];

/** The verbs a `pagelab sim` machine registers (src/trace/sim-verbs.ts and src/trace/verbs/*.ts). */
function registeredVerbs(): SimVerbInfo[] {
  const config = defaultMachineConfig({ memBytes: 256 * 2 ** 20, cmdline: 'cma=16M' });
  if (!config.ok) throw new Error(config.detail);
  const target = createMachineTraceTarget(config.value, 'readme');
  if (!target.ok) throw new Error(target.detail);
  return target.value.sim.list();
}

/** Verbs of `verbs` whose exact usage line `sim USAGE` does not appear in backquotes in `doc`. */
function undocumentedVerbs(doc: string, verbs: readonly SimVerbInfo[]): string[] {
  return verbs.filter((info) => !doc.includes(`\`sim ${info.usage}\``)).map((info) => info.verb);
}

/** Usage lines the doc's verb bullets (`- \`sim ...\``) give that no registered verb has. */
function staleUsages(doc: string, verbs: readonly SimVerbInfo[]): string[] {
  const usages = new Set(verbs.map((info) => info.usage));
  return [...doc.matchAll(/^- `sim ([^`]+)`/gm)].map((match) => match[1] ?? '').filter((usage) => !usages.has(usage));
}

/** A documented trace: the flags of its `<!-- checked-trace: FLAGS -->` marker and the block after it. */
interface CheckedTrace {
  readonly flags: string[];
  readonly text: string;
}

function checkedTraces(doc: string): CheckedTrace[] {
  return [...doc.matchAll(/<!-- checked-trace:([^>]*)-->\n```\n([\s\S]*?)```/g)].map((match) => ({
    flags: (match[1] ?? '').trim().split(/\s+/).filter((flag) => flag !== ''),
    text: match[2] ?? '',
  }));
}

/** The annotated lines a documented trace promises: the `# N OUTPUT` comment after each statement. */
function promisedLines(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    if (line.trimStart().startsWith('#')) return [];
    const promise = /\s{2,}# (\d+(?: .*)?)$/.exec(line);
    return promise === null ? [] : [promise[1] as string];
  });
}

/** The ```json blocks of a doc. */
function jsonBlocks(doc: string): string[] {
  return [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

function bootDocumented(json: string, source: string): Machine {
  const config = parseMachineConfig(JSON.parse(json) as unknown, source);
  if (!config.ok) throw new Error(config.detail);
  const machine = Machine.create(config.value, createEnv('readme'), source);
  if (!machine.ok) throw new Error(machine.detail);
  return machine.value;
}

describe('README opening', () => {
  it('starts with the two commands, unchanged', () => {
    expect(read(README).split('\n').slice(0, README_OPENING.length)).toEqual(README_OPENING);
  });

  it('has no command block before them', () => {
    const firstFence = read(README).indexOf('```');
    expect(read(README).slice(firstFence).startsWith('```sh\nnpm ci && npm run fuzz')).toBe(true);
  });
});

describe(`sim verbs in ${VERB_REFERENCE}`, () => {
  const verbs = registeredVerbs();
  const doc = read(VERB_REFERENCE);

  it('reads a non-trivial registry', () => {
    expect(verbs.length).toBeGreaterThan(40);
    expect(verbs.map((info) => info.verb)).toEqual(expect.arrayContaining(['alloc', 'cma-bulk', 'heap-alloc', 'hog-grow', 'tick', 'help']));
  });

  it('lists every registered verb with its exact usage line', () => {
    expect(undocumentedVerbs(doc, verbs)).toEqual([]);
  });

  it('lists no usage line that is not registered', () => {
    expect(staleUsages(doc, verbs)).toEqual([]);
  });

  it('catches a verb missing from the doc and a usage line that is not registered', () => {
    const registry: Pick<SimVerbRegistry, 'list'> = {
      list: () => [{ verb: 'stat', usage: 'stat', summary: '' }, { verb: 'frobnicate', usage: 'frobnicate AREA', summary: 'new' }],
    };
    const page = '- `sim stat` — counters\n- `sim tick [NS]` — time\n';
    expect(undocumentedVerbs(page, registry.list())).toEqual(['frobnicate']);
    expect(staleUsages(page, registry.list())).toEqual(['tick [NS]']);
  });

  it('is linked from the README', () => {
    expect(read(README)).toContain(`](${VERB_REFERENCE})`);
  });
});

describe('documented transcripts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagelab-readme-'));

  it.each([README, VERB_REFERENCE])('%s: every checked trace prints what its comments say', async (path) => {
    const traces = checkedTraces(read(path));
    expect(traces.length).toBeGreaterThan(0);
    for (const [index, trace] of traces.entries()) {
      const file = join(dir, `${path.replace(/\W/g, '_')}-${index}.trace`);
      writeFileSync(file, trace.text);
      const io = capturingIo();
      expect(await main(['sim', '--annotate', ...trace.flags, file], io)).toBe(0);
      const promised = promisedLines(trace.text);
      expect(promised.length).toBeGreaterThan(5);
      expect(io.stdout().trimEnd().split('\n')).toEqual(promised);
    }
  });

  it('the README example is the command it names', () => {
    expect(read(README)).toContain('npx pagelab sim --annotate --mem 64M --cmdline cma=16M pins.trace');
    expect(read(README)).toContain('<!-- checked-trace: --mem 64M --cmdline cma=16M -->');
  });

  it('a wrong promise is caught', () => {
    expect(promisedLines('sim stat                 # 1 free=0\n# comment\nsim heaps   # 3 system')).toEqual(['1 free=0', '3 system']);
  });
});

describe('documented machine configs', () => {
  it.each([README, 'docs/config.md'])('%s: every JSON example boots', (path) => {
    const blocks = jsonBlocks(read(path));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(bootDocumented(block, path)).toBeInstanceOf(Machine);
  });

  it('docs/config.md: the complete example boots what the page says', () => {
    const [block] = jsonBlocks(read('docs/config.md'));
    const machine = bootDocumented(block ?? '', 'docs/config.md');
    expect(machine.heaps.names()).toEqual(['system', 'system-uncached', 'reserved', 'video', 'chunk-video', 'cpa']);
    const areas = ['reserved', 'video', 'camera'].map((name) => machine.cma.area(name));
    expect(areas.map((area) => [area?.basePfn, area?.pageCount, area?.orderPerBit])).toEqual([[327680, 16384, 0], [385024, 8192, 2], [65536, 4096, 0]]);
    expect(machine.ignoredParams).toEqual(['loglevel=7']);
    expect(machine.cma.deviceAlloc('mfc', { pageCount: 16, alignOrder: 0 })).toMatchObject({ ok: true, value: { area: { name: 'video' } } });
    expect(machine.cma.deviceAlloc('gpu', { pageCount: 16, alignOrder: 0 })).toMatchObject({ ok: true, value: { area: { name: 'reserved' } } });
  });
});
