// store-fs against the store contract every backend must pass (packages/testkit).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeStoreContract } from '@berth/testkit';
import { openFsStore } from './index.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

describeStoreContract('store-fs', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-store-fs-'));
  return {
    backend: await openFsStore({ root }),
    cleanup: () => rm(root, { recursive: true, force: true }),
    child: {
      module: here('./index.ts'),
      exportName: 'openFsStore',
      options: { root },
      // Unit tests run from source: the child resolves @berth/core as vitest does.
      alias: { '@berth/core': here('../../../packages/core/src/index.ts') },
    },
  };
});
