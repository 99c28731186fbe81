// BuildKit's parser corpus: every Dockerfile dumps to its `result`, every negative case is refused.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dumpNode } from './node.js';
import { parse } from './parser.js';

const CORPUS = fileURLToPath(new URL('../../testdata/buildkit-parser-testfiles', import.meta.url));
const cases = (dir: string) => readdirSync(join(CORPUS, dir)).sort();

describe('buildkit parser corpus', () => {
  for (const name of cases('testfiles')) {
    it(`parses ${name} to its result`, () => {
      const dockerfile = readFileSync(join(CORPUS, 'testfiles', name, 'Dockerfile'));
      const expected = readFileSync(join(CORPUS, 'testfiles', name, 'result'), 'utf8');
      expect(dumpNode(parse(dockerfile).ast) + '\n').toBe(expected);
    });
  }
  for (const name of cases('testfiles-negative')) {
    it(`refuses ${name}`, () => {
      const dockerfile = readFileSync(join(CORPUS, 'testfiles-negative', name, 'Dockerfile'));
      expect(() => parse(dockerfile)).toThrow();
    });
  }
});
