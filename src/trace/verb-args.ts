// Argument parsing shared by sim verbs: positional integers (decimal or 0x-hex), key=value options, handle names.
import { err, ok, type Result } from '../base/errno.ts';

const INTEGER = /^(0x[0-9a-fA-F]+|0|[1-9][0-9]*)$/;
const HANDLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/** Splits arguments into positionals and `key=value` options; rejects keys not in `allowedKeys`. */
export function splitArgs(args: readonly string[], allowedKeys: readonly string[]): Result<{ positional: string[]; options: Map<string, string> }> {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) {
      positional.push(arg);
      continue;
    }
    const key = arg.slice(0, eq);
    if (!allowedKeys.includes(key)) return err('EINVAL', `unknown option "${key}=" (allowed: ${allowedKeys.join(', ') || 'none'})`);
    if (options.has(key)) return err('EINVAL', `option "${key}=" given twice`);
    options.set(key, arg.slice(eq + 1));
  }
  return ok({ positional, options });
}

/** Parses a non-negative integer in [min, max] (decimal or 0x-hex), naming `what` in errors. */
export function parseIntArg(text: string | undefined, what: string, min: number, max: number): Result<number> {
  if (text === undefined) return err('EINVAL', `missing ${what}`);
  if (!INTEGER.test(text)) return err('EINVAL', `${what} must be a number, got "${text}"`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) return err('EINVAL', `${what} must be in ${min}..${max}, got ${text}`);
  return ok(value);
}

/** An optional integer option `key=N` with a default. */
export function intOption(options: Map<string, string>, key: string, fallback: number, min: number, max: number): Result<number> {
  const text = options.get(key);
  return text === undefined ? ok(fallback) : parseIntArg(text, `${key}=`, min, max);
}

/** Validates a handle name given with `as=NAME` (or undefined when absent). */
export function handleOption(options: Map<string, string>): Result<string | undefined> {
  const name = options.get('as');
  if (name === undefined) return ok(undefined);
  return HANDLE_NAME.test(name) ? ok(name) : err('EINVAL', `as=${name}: a handle is a letter followed by up to 31 letters, digits, _ . -`);
}

/** Checks that exactly `count` positionals were given (or between min and max). */
export function expectPositionals(positional: readonly string[], min: number, max: number, usage: string): Result<void> {
  if (positional.length < min || positional.length > max) {
    return err('EINVAL', `expected ${min === max ? min : `${min}..${max}`} arguments (${usage}), got ${positional.length}`);
  }
  return ok(undefined);
}
