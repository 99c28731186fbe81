// Bundles the CLI, berth's packages and oclif into dist/berth.mjs. One module loads in about a
// third of the time Node needs to resolve and load the hundreds of files it is made of.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

// Chunk names change with their content: old ones would pile up.
await rm('dist', { recursive: true, force: true });

await build({
  entryPoints: ['src/main.ts'],
  outdir: 'dist',
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
