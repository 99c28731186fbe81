// .dockerignore: reading the file as Docker does (moby/patternmatcher ignorefile.ReadAll) and
// matching with @balena/dockerignore, a port of Docker's matcher; `!` makes exceptions.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignoreModule from '@balena/dockerignore';

// The package is CommonJS (module.exports = factory) but typed as an ES default export.
type IgnoreFactory = typeof ignoreModule.default;
const ignore = ((ignoreModule as unknown as { default?: IgnoreFactory }).default ?? ignoreModule) as unknown as IgnoreFactory;

/** Go's path.Clean for slash-separated paths. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  return rooted ? '/' + joined : joined || '.';
}

/**
 * The patterns of a .dockerignore: `#` in column 1 is a comment, lines are trimmed, blank
 * lines dropped, each pattern cleaned and made relative (a leading `/` is dropped).
 */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  text.split('\n').forEach((raw, i) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (i === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.startsWith('#')) return;
    let pattern = line.trim();
    if (pattern === '') return;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    // For historical reasons the pattern `.` is ignored (Dockerfile reference, "Build context").
    if (pattern === '.') return;
    patterns.push(invert ? '!' + pattern : pattern);
  });
  return patterns;
}

export interface IgnoreMatcher {
  readonly patterns: readonly string[];
  /** Whether some pattern is an exception (`!…`): an excluded directory may still hold included files. */
  readonly hasExceptions: boolean;
  /** `path` is relative to the context root, slash-separated. */
  ignores(path: string): boolean;
}

export function createIgnoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const ig = ignore().add([...patterns]);
  return {
    patterns,
    hasExceptions: patterns.some((p) => p.startsWith('!')),
    ignores: (path) => patterns.length > 0 && ig.ignores(path),
  };
}

export interface DockerignoreFile {
  /** The file used, or undefined when there is none. */
  path?: string;
  patterns: string[];
}

/**
 * The ignore file of a build: `<Dockerfile>.dockerignore` beside the Dockerfile wins over
 * `.dockerignore` at the context root (Dockerfile reference, "Filename and location").
 */
export async function readDockerignore(contextDir: string, dockerfilePath?: string): Promise<DockerignoreFile> {
  const candidates = [...(dockerfilePath ? [`${dockerfilePath}.dockerignore`] : []), join(contextDir, '.dockerignore')];
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw err;
    }
    return { path, patterns: parseDockerignore(text) };
  }
  return { patterns: [] };
}
