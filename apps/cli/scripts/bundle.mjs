// Bundles the CLI, berth's packages and oclif into dist/berth.mjs. One module loads in about a
// third of the time Node needs to resolve and load the hundreds of files it is made of.
import { rename, rm } from 'node:fs/promises';
import { build } from 'esbuild';

// Chunk names change with their content, so each build starts from an empty directory (old chunks
// would pile up) and is swapped in whole at the end: a berth started meanwhile (a test run in
// another terminal) finds the old bundle or the new one, never a missing or half-written one.
const next = `.dist-next-${process.pid}`;
const old = `.dist-old-${process.pid}`;
await rm(next, { recursive: true, force: true });

await build({
  entryPoints: ['src/main.ts'],
  outdir: next,
  entryNames: 'berth',
  outExtension: { '.js': '.mjs' },
  // Modules a command imports dynamically (the registry client, the Dockerfile frontend) become
  // chunks of their own, loaded only by the commands that need them.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  // Less to parse at every start; identifiers stay readable in stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // oclif can load TypeScript commands in development; berth ships built JS only.
  external: ['typescript', 'ts-node'],
  // CommonJS dependencies (oclif) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
});

await rename('dist', old).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
await rename(next, 'dist');
await rm(old, { recursive: true, force: true });
