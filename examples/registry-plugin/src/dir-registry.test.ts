// The dir registry against the registry-adapter contract every adapter must pass (@berth/testkit).
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBerthConfig, parseNormalizedReference } from '@berth/core';
import { describeRegistryAdapterContract, writeContractImageLayout } from '@berth/testkit';
import plugin, { DirRegistryAdapter, dirRegistrySettings, hashPassword } from './index.js';

describeRegistryAdapterContract('dir registry (example plugin)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'dir-registry-'));
  const good = { username: 'tester', password: 'secret-pw' };
  const settings = dirRegistrySettings(parseBerthConfig(JSON.stringify({ dirRegistry: { root, users: { tester: hashPassword(good.password) } } }), join(tmpdir(), 'config.json')));
  const repoDir = (reference: string): string => join(root, parseNormalizedReference(reference).path);
  return {
    adapter: new DirRegistryAdapter(settings),
    repository: 'dir.local/contract',
    options: { credentials: async () => good },
    login: { host: 'dir.local', good, bad: { username: 'tester', password: 'wrong' } },
    // Another writer of OCI layouts: the tag goes in as ref.name, as skopeo writes it.
    seed: (reference, image) => writeContractImageLayout(repoDir(reference), image, parseNormalizedReference(reference).tag!),
    async corruptBlob(reference, digest) {
      const fh = await open(join(repoDir(reference), 'blobs', 'sha256', digest.slice('sha256:'.length)), 'r+');
      try {
        const { size } = await fh.stat();
        await fh.write(Buffer.alloc(size, 0x5a), 0, size, 0);
      } finally {
        await fh.close();
      }
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('dir registry settings', () => {
  it('reads its key relative to the config file and refuses a missing root in one line', () => {
    expect(dirRegistrySettings(parseBerthConfig('{"dirRegistry":{"root":"./reg"}}', '/etc/berth/config.json'))).toEqual({ host: 'dir.local', root: '/etc/berth/reg' });
    expect(() => dirRegistrySettings(parseBerthConfig('{}', '/c.json'))).toThrow('config file /c.json: the dir registry plugin needs a "dirRegistry" key with a "root" directory');
    expect(() => dirRegistrySettings(parseBerthConfig('{"dirRegistry":{"host":"nodot","root":"/r"}}', '/c.json'))).toThrow('config file /c.json: "dirRegistry" "host" must be a host name with a dot');
  });

  it('declares what it provides for the plugin host', () => {
    expect([plugin.name, plugin.apiVersion, plugin.provides]).toEqual(['berth-plugin-dir-registry', 1, ['registry:dir']]);
  });
});
