// `berthd gc --root DIR [--grace SECONDS] [--dry-run]`: one collection, safe while berthd (or the
// CLI) uses the same root, since it runs under the store lock and keeps young blobs.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compose, humanSize, readBerthConfig, Tokens, type StoreBackend } from '@berth/core';
import { storeFsPlugin } from '@berth/store-fs';
import { collectGarbage, DEFAULT_GC_GRACE_MS } from './gc.js';

const USAGE = 'usage: berthd gc --root DIR [--grace SECONDS] [--dry-run]';

/** `--grace`/`--gc-interval` values: whole seconds. */
export function parseSeconds(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`invalid ${flag} ${JSON.stringify(value)}: expected whole seconds`);
  return Number(value) * 1000;
}

export async function gcCommand(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { root: { type: 'string' }, grace: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`berthd gc: ${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 125;
    return;
  }
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const root = values.root ?? process.env.BERTH_ROOT;
  if (!root) {
    process.stderr.write(`berthd gc: --root (or $BERTH_ROOT) is required\n${USAGE}\n`);
    process.exitCode = 125;
    return;
  }
  let graceMs = DEFAULT_GC_GRACE_MS;
  try {
    if (values.grace !== undefined) graceMs = parseSeconds('--grace', values.grace);
  } catch (err) {
    process.stderr.write(`berthd gc: ${(err as Error).message}\n`);
    process.exitCode = 125;
    return;
  }
  const c = await compose({ root: resolve(root), plugins: [storeFsPlugin], config: await readBerthConfig() });
  const result = await collectGarbage({ backend: c.resolve<StoreBackend>(Tokens.StoreBackend), root: resolve(root), graceMs, dryRun: values['dry-run'] ?? false });
  const verb = values['dry-run'] ? 'would delete' : 'deleted';
  for (const d of result.deleted) process.stdout.write(`${verb}: ${d.digest}\n`);
  process.stdout.write(`Kept: ${result.referenced} referenced, ${result.young} younger than the grace period\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(result.reclaimed)}\n`);
}
