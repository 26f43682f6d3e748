// The harness's own rules (test/architecture.test.ts covers src/ never importing it): properties/ reads time only through an injected clock and randomness only from fast-check or a seeded Rng, its model never imports the allocator, and every file says what it owns.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTs(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const files = listTs(join(ROOT, 'properties')).map((file) => [relative(ROOT, file), file] as const);

describe('properties/', () => {
  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files)('%s reads no ambient time, randomness or process state', (_name, file) => {
    expect(readFileSync(file, 'utf8')).not.toMatch(/Math\.random|Date\.now|new Date\(|setTimeout|setInterval|performance\.now|process\./);
  });

  it.each(files)('%s opens with a line on what it owns', (_name, file) => {
    expect(readFileSync(file, 'utf8').split('\n')[0]).toMatch(/^\/\/ \S/);
  });

  it.each(files)('%s never imports the CLI (the CLI imports the harness, not the other way round)', (_name, file) => {
    expect(readFileSync(file, 'utf8')).not.toMatch(/from '[^']*src\/cli\//);
  });

  it.each(files.filter(([name]) => name.startsWith('properties/model/')))('%s (the model) never imports the allocator', (_name, file) => {
    expect(readFileSync(file, 'utf8')).not.toMatch(/from '[^']*src\/(buddy|debug)\//);
  });
});
