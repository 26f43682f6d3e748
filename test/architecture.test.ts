// Enforces DESIGN §1-2: src/ reads no ambient time or randomness, never imports the harness, and layers only import downward.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const LAYERS = ['base', 'env', 'mem', 'buddy', 'contig', 'cma', 'heaps', 'reclaim', 'machine', 'debug', 'sysfs', 'trace', 'api', 'cli'];

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTs(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(path: string): string {
  return relative(join(ROOT, 'src'), path).split('/')[0] ?? '';
}

function importsOf(source: string): string[] {
  return [...source.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1] ?? '');
}

const srcFiles = listTs(join(ROOT, 'src'));

describe('architecture', () => {
  it('src/ has files to check', () => {
    expect(srcFiles.length).toBeGreaterThan(5);
  });

  it.each(srcFiles.filter((f) => layerOf(f) !== 'cli').map((f) => [relative(ROOT, f), f]))(
    '%s reads no ambient time, randomness or process state',
    (_name, file) => {
      const source = readFileSync(file, 'utf8');
      expect(source).not.toMatch(/Math\.random|Date\.now|new Date\(|setTimeout|setInterval|performance\.now|process\./);
    },
  );

  it.each(srcFiles.map((f) => [relative(ROOT, f), f]))('%s imports only lower layers and no harness code', (_name, file) => {
    const own = LAYERS.indexOf(layerOf(file));
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      // Only the CLI (fuzz, replay) may reach the harness in properties/; nothing in src/ imports fast-check or tests.
      const harness = layerOf(file) === 'cli' && relative(ROOT, join(file, '..', spec)).startsWith('properties/');
      if (harness) continue;
      expect(spec).not.toMatch(/fast-check|properties\/|\/test\//);
      if (!spec.startsWith('.')) continue;
      const target = layerOf(join(file, '..', spec));
      const targetIndex = LAYERS.indexOf(target);
      expect(targetIndex, `${relative(ROOT, file)} imports ${spec}`).toBeGreaterThanOrEqual(0);
      if (layerOf(file) !== 'debug' && target !== 'debug') {
        expect(targetIndex, `${relative(ROOT, file)} (${layerOf(file)}) imports upward: ${spec}`).toBeLessThanOrEqual(own);
      }
    }
  });

  it.each(srcFiles.map((f) => [relative(ROOT, f), f]))('%s opens with a line on what it owns', (_name, file) => {
    const firstLine = readFileSync(file, 'utf8').split('\n')[0] ?? '';
    expect(firstLine).toMatch(/^\/\/ \S/);
  });
});
