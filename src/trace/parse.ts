// Parser for the trace language of TRACE.md: shell-like lines (echo N > FILE, cat FILE..., dma-heap-alloc, sim VERB ...) tokenized the way busybox sh would, into statements numbered by line.
//
// Decisions:
// - Words follow sh quoting: '...' is literal; "..." is literal except \" \\ \$ \` ; an unquoted
//   backslash escapes the next character; a word starting with # begins a comment.
// - Anything sh would expand or that would make the line more than one simple command is a parse
//   error rather than a silent difference: $ and ` expansions, globs (* ? [), brace lists ({a,b}),
//   ~, pipes, ;, &, <, ( ), line continuations.
// - `echo [-n] WORDS... > PATH` (also >>, >|, 1>) writes WORDS joined by spaces plus "\n" (none
//   with -n), as busybox echo does. `16>PATH` is sh for "redirect fd 16" and is rejected with a hint.
// - `cat PATH...` takes one or more paths and concatenates them, as cat does.
// - Paths must be absolute: a trace must mean the same thing whatever directory it runs from.
// - `dma-heap-alloc HEAP LEN [FD_FLAGS [HEAP_FLAGS]]`: HEAP is a heap name (not a /dev path); numbers
//   are decimal or 0x-hex without leading zeros (strtoul would read 010 as octal); LEN and HEAP_FLAGS
//   are u64 (bigint), FD_FLAGS is u32, as in struct dma_heap_allocation_data.
import { err, ok, type Result } from '../base/errno.ts';
import type { SimVerbRegistry } from './sim-verbs.ts';

/** Fields every statement carries. */
interface StatementBase {
  /** 1-based line in the trace file. */
  readonly line: number;
  /** The statement's text, trimmed. */
  readonly source: string;
}

/** `echo ... > PATH`: one write(2) of `data` to `path`. */
export interface EchoStatement extends StatementBase {
  readonly kind: 'echo';
  readonly path: string;
  /** The bytes echo writes, including the trailing "\n" unless -n. */
  readonly data: string;
}

/** `cat PATH...`: reads each file in turn and prints their concatenation. */
export interface CatStatement extends StatementBase {
  readonly kind: 'cat';
  readonly paths: readonly string[];
}

/** `dma-heap-alloc HEAP LEN [FD_FLAGS [HEAP_FLAGS]]` (the DMA_HEAP_IOCTL_ALLOC probe). */
export interface DmaHeapAllocStatement extends StatementBase {
  readonly kind: 'dma-heap-alloc';
  readonly heap: string;
  readonly lenBytes: bigint;
  readonly fdFlags: number;
  readonly heapFlags: bigint;
}

/** `sim VERB ARGS...`: kept generic here; the target's SimVerbRegistry checks the arguments. */
export interface SimStatement extends StatementBase {
  readonly kind: 'sim';
  readonly verb: string;
  readonly args: readonly string[];
}

/** One parsed trace statement. */
export type Statement = EchoStatement | CatStatement | DmaHeapAllocStatement | SimStatement;

/** O_RDWR | O_CLOEXEC: the fd_flags dma-heap-alloc uses by default. */
export const DEFAULT_DMA_HEAP_FD_FLAGS = 0x80002;
const U32_MAX = 0xffff_ffffn;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
const COMMANDS = 'echo, cat, dma-heap-alloc or sim';

type Token =
  | { readonly kind: 'word'; readonly value: string; readonly quoted: boolean }
  | { readonly kind: 'redirect'; readonly fd: number | undefined };

/** Either a value or a one-line problem description (the caller adds the file and line). */
type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

function problem<T>(text: string): Parsed<T> {
  return { ok: false, problem: text };
}

function parsed<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

const OPERATOR_CHARS = new Set(['>', '<', '|', '&', ';', '(', ')']);
const UNSUPPORTED: Readonly<Record<string, string>> = {
  '<': 'input redirection (<) is not supported',
  '|': 'pipes (|) are not supported; one command per line',
  '&': '& is not supported; one command per line',
  ';': '; is not supported; one command per line',
  '(': 'subshells ( ) are not supported',
  ')': 'subshells ( ) are not supported',
  $: '$ expansions are not supported; write the value out',
  '`': 'command substitution (`) is not supported',
  '*': 'glob patterns (* ? [) are not supported; name each file',
  '?': 'glob patterns (* ? [) are not supported; name each file',
  '[': 'glob patterns (* ? [) are not supported; name each file',
  '{': 'brace lists ({a,b}) are not expanded by sh; name each file',
  '}': 'brace lists ({a,b}) are not expanded by sh; name each file',
};

/** Splits one line into sh words and redirections. */
class LineScanner {
  private pos = 0;
  private readonly tokens: Token[] = [];

  constructor(private readonly text: string) {}

  scan(): Parsed<Token[]> {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '#') break;
      else if (c === '>') {
        const redirect = this.redirect(undefined);
        if (!redirect.ok) return redirect;
      } else if (OPERATOR_CHARS.has(c)) return problem(UNSUPPORTED[c] ?? `unexpected ${c}`);
      else {
        const word = this.word();
        if (!word.ok) return word;
      }
    }
    return parsed(this.tokens);
  }

  private redirect(fd: number | undefined): Parsed<void> {
    this.pos++;
    const next = this.text[this.pos];
    if (next === '&') return problem('descriptor duplication (>&) is not supported');
    if (next === '>' || next === '|') this.pos++;
    this.tokens.push({ kind: 'redirect', fd });
    return parsed(undefined);
  }

  private word(): Parsed<void> {
    let value = '';
    let quoted = false;
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (c === ' ' || c === '\t' || OPERATOR_CHARS.has(c)) break;
      const piece = this.wordPiece(c, this.pos === start);
      if (!piece.ok) return piece;
      value += piece.value.text;
      quoted ||= piece.value.quoted;
    }
    if (this.text[this.pos] === '>' && !quoted && /^[0-9]+$/.test(value)) return this.redirect(Number(value));
    this.tokens.push({ kind: 'word', value, quoted });
    return parsed(undefined);
  }

  /** One unit of a word: a quoted string, an escaped character, or a plain character. */
  private wordPiece(c: string, atWordStart: boolean): Parsed<{ text: string; quoted: boolean }> {
    if (c === "'") return this.singleQuoted();
    if (c === '"') return this.doubleQuoted();
    if (c === '\\') {
      const next = this.text[this.pos + 1];
      if (next === undefined) return problem('line continuation (\\ at the end of a line) is not supported');
      this.pos += 2;
      return parsed({ text: next, quoted: true });
    }
    if (c === '~' && atWordStart) return problem('~ expansion is not supported; write the path out');
    const unsupported = UNSUPPORTED[c];
    if (unsupported !== undefined) return problem(unsupported);
    this.pos++;
    return parsed({ text: c, quoted: false });
  }

  private singleQuoted(): Parsed<{ text: string; quoted: boolean }> {
    const end = this.text.indexOf("'", this.pos + 1);
    if (end < 0) return problem("unterminated ' quote");
    const text = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return parsed({ text, quoted: true });
  }

  private doubleQuoted(): Parsed<{ text: string; quoted: boolean }> {
    let text = '';
    for (let i = this.pos + 1; i < this.text.length; i++) {
      const c = this.text[i] as string;
      if (c === '"') {
        this.pos = i + 1;
        return parsed({ text, quoted: true });
      }
      if (c === '$' || c === '`') return problem(UNSUPPORTED[c] ?? 'expansion is not supported');
      const next = this.text[i + 1];
      if (c === '\\' && next !== undefined && '$`"\\'.includes(next)) {
        text += next;
        i++;
      } else text += c;
    }
    return problem('unterminated " quote');
  }
}

/** A scanned line: command words and at most one output redirection target. */
interface SimpleCommand {
  readonly words: readonly string[];
  readonly redirectPath: string | undefined;
}

function simpleCommand(tokens: readonly Token[]): Parsed<SimpleCommand> {
  const words: string[] = [];
  let redirectPath: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === 'word') {
      words.push(token.value);
      continue;
    }
    if (token.fd !== undefined && token.fd !== 1) {
      const hint = token.fd === 2 ? '' : `; to write ${token.fd}, put a space before >: echo ${token.fd} > PATH`;
      return problem(`"${token.fd}>" redirects file descriptor ${token.fd}${hint}`);
    }
    const target = tokens[i + 1];
    if (target === undefined || target.kind !== 'word') return problem('> needs a file name');
    if (redirectPath !== undefined) return problem('only one output redirection per statement');
    redirectPath = target.value;
    i++;
  }
  return parsed({ words, redirectPath });
}

function absolutePath(path: string): Parsed<string> {
  if (path.startsWith('/')) return parsed(path);
  return problem(`path "${path}" is relative; trace paths must start with /`);
}

function echoStatement(command: SimpleCommand): Parsed<{ path: string; data: string }> {
  if (command.redirectPath === undefined) return problem('echo without "> PATH" only prints; write "echo N > PATH"');
  let args = command.words.slice(1);
  let newline = '\n';
  if (args[0] === '-n') {
    args = args.slice(1);
    newline = '';
  }
  const option = args[0];
  if (option !== undefined && /^-[neE]+$/.test(option)) return problem(`echo ${option} is not supported (only -n)`);
  const path = absolutePath(command.redirectPath);
  if (!path.ok) return path;
  return parsed({ path: path.value, data: args.join(' ') + newline });
}

function catStatement(command: SimpleCommand): Parsed<string[]> {
  if (command.redirectPath !== undefined) return problem('cat output cannot be redirected in a trace');
  const paths = command.words.slice(1);
  if (paths.length === 0) return problem('cat needs at least one file (it would read stdin)');
  const options = paths.find((path) => path.startsWith('-'));
  if (options !== undefined) return problem(`cat options (${options}) are not supported`);
  const absolute: string[] = [];
  for (const path of paths) {
    const checked = absolutePath(path);
    if (!checked.ok) return checked;
    absolute.push(checked.value);
  }
  return parsed(absolute);
}

/** A decimal or 0x-hex unsigned number no larger than `max`. */
export function parseUnsigned(text: string, max: bigint, what: string): Result<bigint> {
  if (!/^(0|[1-9][0-9]*|0[xX][0-9a-fA-F]+)$/.test(text)) {
    return err('EINVAL', `${what} must be a decimal or 0x-hex number without leading zeros (got "${text}")`);
  }
  const value = BigInt(text);
  if (value > max) return err('ERANGE', `${what} ${text} does not fit in ${max === U32_MAX ? 'u32' : 'u64'}`);
  return ok(value);
}

function dmaHeapAllocStatement(command: SimpleCommand): Parsed<Omit<DmaHeapAllocStatement, 'kind' | 'line' | 'source'>> {
  if (command.redirectPath !== undefined) return problem('dma-heap-alloc output cannot be redirected in a trace');
  const [heap, len, fdFlags, heapFlags, ...extra] = command.words.slice(1);
  if (heap === undefined || len === undefined || extra.length > 0) return problem('usage: dma-heap-alloc HEAP LEN [FD_FLAGS [HEAP_FLAGS]]');
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(heap)) return problem(`HEAP is a heap name such as "system" (got "${heap}")`);
  const lenBytes = parseUnsigned(len, U64_MAX, 'LEN');
  const fd = parseUnsigned(fdFlags ?? String(DEFAULT_DMA_HEAP_FD_FLAGS), U32_MAX, 'FD_FLAGS');
  const flags = parseUnsigned(heapFlags ?? '0', U64_MAX, 'HEAP_FLAGS');
  if (!lenBytes.ok) return problem(lenBytes.detail);
  if (!fd.ok) return problem(fd.detail);
  if (!flags.ok) return problem(flags.detail);
  return parsed({ heap, lenBytes: lenBytes.value, fdFlags: Number(fd.value), heapFlags: flags.value });
}

function simStatement(command: SimpleCommand): Parsed<{ verb: string; args: string[] }> {
  if (command.redirectPath !== undefined) return problem('sim output cannot be redirected in a trace');
  const [verb, ...args] = command.words.slice(1);
  if (verb === undefined) return problem('sim needs a verb (sim help lists them)');
  return parsed({ verb, args });
}

function statementOf(command: SimpleCommand, base: StatementBase): Parsed<Statement> {
  const name = command.words[0];
  if (name === 'echo') {
    const echo = echoStatement(command);
    return echo.ok ? parsed({ kind: 'echo', ...base, ...echo.value }) : echo;
  }
  if (name === 'cat') {
    const cat = catStatement(command);
    return cat.ok ? parsed({ kind: 'cat', ...base, paths: cat.value }) : cat;
  }
  if (name === 'dma-heap-alloc') {
    const alloc = dmaHeapAllocStatement(command);
    return alloc.ok ? parsed({ kind: 'dma-heap-alloc', ...base, ...alloc.value }) : alloc;
  }
  if (name === 'sim') {
    const sim = simStatement(command);
    return sim.ok ? parsed({ kind: 'sim', ...base, ...sim.value }) : sim;
  }
  if (name === undefined) return problem(`expected a command (${COMMANDS})`);
  return problem(`unknown command "${name}" (expected ${COMMANDS})`);
}

/** Parses one line; undefined for blank and comment-only lines. */
function parseLine(text: string, line: number): Parsed<Statement | undefined> {
  const scanned = new LineScanner(text).scan();
  if (!scanned.ok) return scanned;
  if (scanned.value.length === 0) return parsed(undefined);
  const command = simpleCommand(scanned.value);
  if (!command.ok) return command;
  return statementOf(command.value, { line, source: text.trim() });
}

/**
 * Parses a whole trace (`source` names it in errors, usually the file path). Blank lines and
 * comments count as lines but produce no statement. The first line that does not parse gives
 * EINVAL with the detail `SOURCE:LINE: PROBLEM: TEXT`, and nothing runs.
 */
export function parseTrace(text: string, source: string): Result<Statement[]> {
  const statements: Statement[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [index, raw] of lines.entries()) {
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const statement = parseLine(lineText, index + 1);
    if (!statement.ok) return err('EINVAL', `${source}:${index + 1}: ${statement.problem}: ${lineText.trim()}`);
    if (statement.value !== undefined) statements.push(statement.value);
  }
  return ok(statements);
}

/**
 * Checks every `sim` statement against the target's verbs (unknown verb, bad arguments) before
 * anything runs; the error names the line like a parse error.
 */
export function checkSimStatements(statements: readonly Statement[], verbs: SimVerbRegistry, source: string): Result<void> {
  for (const statement of statements) {
    if (statement.kind !== 'sim') continue;
    const checked = verbs.check(statement.verb, statement.args);
    if (!checked.ok) return err('EINVAL', `${source}:${statement.line}: ${checked.detail}: ${statement.source}`);
  }
  return ok(undefined);
}

/** parseTrace followed by checkSimStatements: everything that must hold before a trace runs. */
export function loadTrace(text: string, source: string, verbs: SimVerbRegistry): Result<Statement[]> {
  const statements = parseTrace(text, source);
  if (!statements.ok) return statements;
  const checked = checkSimStatements(statements.value, verbs, source);
  return checked.ok ? statements : checked;
}
