// The registry of `sim VERB ARGS...` statements: each verb parses its arguments before the trace runs and prints one result when it runs; `help` lists them all.
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';

/** What a running verb learns about where it was called from. */
export interface SimVerbContext {
  /** The statement's 1-based line in the trace file. */
  readonly line: number;
}

/**
 * One simulator verb. `parseArgs` must be pure (it runs once when the trace is checked and again
 * when the statement runs); `run` returns the text to print (lines joined by "\n") or an errno.
 */
export interface SimVerb<Parsed> {
  /** The word after `sim` (lowercase letters, digits, '-'; starting with a letter). */
  readonly verb: string;
  /** The arguments in usage form, e.g. "cma-alloc AREA PAGES [ALIGN_ORDER]". Starts with the verb. */
  readonly usage: string;
  /** One sentence for `sim help`. */
  readonly summary: string;
  /** Validates the arguments; an EINVAL detail says what is wrong with them. */
  parseArgs(args: readonly string[]): Result<Parsed>;
  /** Performs the verb on parsed arguments. */
  run(parsed: Parsed, ctx: SimVerbContext): Result<string>;
}

/** What `sim help` and error messages show about a verb. */
export interface SimVerbInfo {
  readonly verb: string;
  readonly usage: string;
  readonly summary: string;
}

/** A verb with its parsed-argument type erased; built only by `register`, which keeps the pairing. */
interface ErasedVerb extends SimVerbInfo {
  check(args: readonly string[]): Result<void>;
  invoke(args: readonly string[], ctx: SimVerbContext): Result<string>;
}

const VERB_PATTERN = /^[a-z][a-z0-9-]*$/;

/** The verbs a machine offers. Construct one per target; it starts with `help`. */
export class SimVerbRegistry {
  private readonly verbs = new Map<string, ErasedVerb>();

  constructor() {
    this.register(this.helpVerb());
  }

  /** Adds a verb; asserts its name is well formed, unused, and that `usage` starts with it. */
  register<Parsed>(verb: SimVerb<Parsed>): void {
    assert(VERB_PATTERN.test(verb.verb), () => `sim verb name "${verb.verb}" is not lowercase-with-dashes`);
    assert(!this.verbs.has(verb.verb), () => `sim verb "${verb.verb}" registered twice`);
    assert(verb.usage === verb.verb || verb.usage.startsWith(`${verb.verb} `), () => `usage of "${verb.verb}" must start with it`);
    this.verbs.set(verb.verb, {
      verb: verb.verb,
      usage: verb.usage,
      summary: verb.summary,
      check: (args) => {
        const parsed = verb.parseArgs(args);
        return parsed.ok ? ok(undefined) : parsed;
      },
      invoke: (args, ctx) => {
        const parsed = verb.parseArgs(args);
        assert(parsed.ok, () => `sim ${verb.verb}: arguments were not checked before running (${parsed.ok ? '' : parsed.detail})`);
        return verb.run(parsed.value, ctx);
      },
    });
  }

  /** Every verb, sorted by name. */
  list(): SimVerbInfo[] {
    return [...this.verbs.values()]
      .map(({ verb, usage, summary }) => ({ verb, usage, summary }))
      .sort((a, b) => (a.verb < b.verb ? -1 : a.verb > b.verb ? 1 : 0));
  }

  /** True when `verb` is registered. */
  has(verb: string): boolean {
    return this.verbs.has(verb);
  }

  /**
   * Checks a statement before anything runs: ENOENT for an unknown verb, EINVAL for bad arguments.
   * The detail is one line ending with the usage.
   */
  check(verb: string, args: readonly string[]): Result<void> {
    const entry = this.verbs.get(verb);
    if (entry === undefined) return err('ENOENT', `unknown sim verb "${verb}" (sim help lists them: ${this.names()})`);
    const checked = entry.check(args);
    if (checked.ok) return checked;
    return err(checked.errno, `sim ${verb}: ${checked.detail} (usage: sim ${entry.usage})`);
  }

  /** Runs a checked statement; asserts the verb exists and its arguments parse (check() said so). */
  invoke(verb: string, args: readonly string[], ctx: SimVerbContext): Result<string> {
    const entry = this.verbs.get(verb);
    assert(entry !== undefined, () => `sim ${verb}: unknown verb reached the runner`);
    return entry.invoke(args, ctx);
  }

  private names(): string {
    return this.list().map((info) => info.verb).join(', ');
  }

  private helpVerb(): SimVerb<string | undefined> {
    return {
      verb: 'help',
      usage: 'help [VERB]',
      summary: 'lists every sim verb with its usage, or describes one verb',
      parseArgs: (args) => {
        if (args.length > 1) return err('EINVAL', `expected at most one verb name, got ${args.length} arguments`);
        const [name] = args;
        if (name !== undefined && !this.verbs.has(name)) return err('EINVAL', `no verb named "${name}" (known: ${this.names()})`);
        return ok(name);
      },
      run: (name) => {
        const shown = this.list().filter((info) => name === undefined || info.verb === name);
        return ok(shown.map((info) => `sim ${info.usage}: ${info.summary}`).join('\n'));
      },
    };
  }
}
