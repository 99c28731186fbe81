// The built-in distribution adapter against the registry-adapter contract (packages/testkit), on
// the real docker-registry with htpasswd and with token auth; skopeo seeds images on its own.
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRegistryAdapterContract, skopeo, startRegistry, writeContractImageLayout, type RegistryAuthMode } from '@berth/testkit';
import { DistributionAdapter } from './distribution-adapter.js';

for (const auth of ['htpasswd', 'token'] as RegistryAuthMode[]) {
  describeRegistryAdapterContract(`distribution on docker-registry (${auth})`, async () => {
    const reg = await startRegistry({ auth });
    const good = { username: 'tester', password: reg.users.tester! };
    return {
      adapter: new DistributionAdapter(),
      repository: `${reg.host}/contract`,
      options: { credentials: async () => good },
      login: { host: reg.host, good, bad: { username: 'tester', password: 'not-the-password' } },
      async seed(reference, image) {
        const dir = await mkdtemp(join(tmpdir(), 'contract-seed-'));
        try {
          await writeContractImageLayout(dir, image, 'seed');
          const r = await skopeo(['copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', `${good.username}:${good.password}`, `oci:${dir}:seed`, `docker://${reference}`]);
          if (r.code !== 0) throw new Error(`skopeo copy failed: ${r.stderr}`);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
      // distribution's filesystem driver keeps each blob at blobs/sha256/<2>/<hex>/data.
      async corruptBlob(_reference, digest) {
        const hex = digest.slice('sha256:'.length);
        const fh = await open(join(reg.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data'), 'r+');
        try {
          const { size } = await fh.stat();
          await fh.write(Buffer.alloc(size, 0x5a), 0, size, 0);
        } finally {
          await fh.close();
        }
      },
      cleanup: () => reg.stop(),
    };
  });
}
