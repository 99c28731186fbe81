#!/usr/bin/env node
// Runs every benchmark in turn (or the ones named): `npm run bench [-- images-list]`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const all = ['images-list', 'registry-transfer', 'registry-serve', 'build'];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
for (const name of chosen) {
  console.log(`== ${name}`);
  const r = spawnSync(process.execPath, [join(import.meta.dirname, `${name}.mjs`)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
