// One-line messages for bad JSON input (corpus files): zod issues as `path: problem`, and JSON syntax errors with their line and column.
import type { z } from 'zod';

/** `["ops", 3, "order"]` → `ops[3].order`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

/** A short description of a JSON value for messages. */
export function describeJsonValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

const EXPECTED_TEXT: Readonly<Record<string, string>> = {
  string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'an object', array: 'an array',
};

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'missing (required)';
    return `expected ${EXPECTED_TEXT[issue.expected] ?? issue.expected}, got ${describeJsonValue(issue.input)}`;
  }
  const input = issue.input;
  if (input === undefined || (typeof input === 'object' && input !== null)) return issue.message;
  return `${issue.message} (got ${describeJsonValue(input)})`;
}

/** `FIELD: PROBLEM` for the most useful of `issues` (unknown fields first), the field prefixed with `base`. */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[] = []): string {
  const unknown = issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown !== undefined && unknown.code === 'unrecognized_keys') return `${formatJsonPath([...base, ...unknown.path, unknown.keys[0] ?? ''])}: unknown field`;
  const first = issues[0];
  const field = formatJsonPath([...base, ...(first?.path ?? [])]);
  return `${field === '' ? '(top level)' : field}: ${first === undefined ? 'invalid' : issueMessage(first)}`;
}

/** A JSON syntax error found by scanJson: where, and what was expected. */
interface SyntaxProblem {
  readonly offset: number;
  readonly reason: string;
}

/** A minimal JSON grammar scanner that only locates the first syntax error (JSON.parse's messages carry no position on every Node version). */
class JsonScanner {
  private offset = 0;

  constructor(private readonly text: string) {}

  scan(): SyntaxProblem | undefined {
    try {
      this.value();
      this.space();
      if (this.offset < this.text.length) this.problem('unexpected text after the JSON value');
      return undefined;
    } catch (problem) {
      if (typeof problem === 'object' && problem !== null && 'reason' in problem) return problem as SyntaxProblem;
      throw problem;
    }
  }

  private problem(reason: string): never {
    const at = this.offset < this.text.length ? `${reason} (found ${JSON.stringify(this.text[this.offset])})` : `${reason} (found the end of the file)`;
    throw { offset: this.offset, reason: at } satisfies SyntaxProblem;
  }

  private space(): void {
    while (/\s/.test(this.text[this.offset] ?? '')) this.offset++;
  }

  private value(): void {
    this.space();
    const c = this.text[this.offset];
    if (c === '{') return this.container('}', true);
    if (c === '[') return this.container(']', false);
    if (c === '"') return this.string();
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.offset)) {
        this.offset += literal.length;
        return;
      }
    }
    const number = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    number.lastIndex = this.offset;
    if (number.exec(this.text) === null) this.problem('expected a value');
    this.offset = number.lastIndex;
  }

  private container(close: string, keyed: boolean): void {
    this.offset++;
    this.space();
    if (this.text[this.offset] === close) {
      this.offset++;
      return;
    }
    for (;;) {
      this.space();
      if (keyed) {
        if (this.text[this.offset] !== '"') this.problem('expected a double-quoted property name');
        this.string();
        this.space();
        if (this.text[this.offset] !== ':') this.problem("expected ':'");
        this.offset++;
      }
      this.value();
      this.space();
      const c = this.text[this.offset];
      this.offset++;
      if (c === ',') continue;
      if (c === close) return;
      this.offset--;
      this.problem(`expected ',' or '${close}'`);
    }
  }

  private string(): void {
    this.offset++;
    for (;;) {
      const c = this.text[this.offset];
      if (c === undefined) this.problem('unterminated string');
      if (c === '"') break;
      if (c < ' ') this.problem('control character in a string');
      if (c === '\\') this.offset++;
      this.offset++;
    }
    this.offset++;
  }
}

/** JSON.parse with `invalid JSON at line L column C: REASON`. */
export function parseJsonWithPosition(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const problem = new JsonScanner(text).scan();
    if (problem === undefined) return { ok: false, message: `invalid JSON: ${(error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ')}` };
    const before = text.slice(0, problem.offset).split('\n');
    const column = (before[before.length - 1] ?? '').length + 1;
    return { ok: false, message: `invalid JSON at line ${before.length} column ${column}: ${problem.reason}` };
  }
}
