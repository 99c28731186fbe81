// Smoke test of the peers every interop test relies on: the private dockerd runs a busybox
// image imported from our rootfs tar, and skopeo and umoci answer.

import { mkdtemp, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HELLO_TXT, busyboxRootfs, expectSuccess, requirePeer, rootfsTar, run, skopeo, umoci } from '@berth/testkit';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-peers-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The docker CLI against the project's dockerd only, never the user's daemon or config. */
function docker(args: string[], input?: Readable) {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: work,
    DOCKER_HOST: inject('dockerHost'),
    DOCKER_CONFIG: join(work, 'docker-config'),
  };
  return run(requirePeer('docker'), args, { env, ...(input ? { input } : {}) });
}

describe('peers', () => {
  it('the global dockerd answers on a private unix socket', async () => {
    expect(inject('dockerHost')).toMatch(/^unix:\/\/\/.+\/docker\.sock$/);
    const version = expectSuccess(await docker(['version', '--format', '{{.Server.APIVersion}}']), 'docker version');
    expect(version.stdout.trim()).toMatch(/^1\.\d+$/);
  });

  it('docker imports a busybox rootfs tar and runs cat /hello.txt in it without a network', async () => {
    const rootfs = await busyboxRootfs(join(work, 'rootfs'));
    const tar = await rootfsTar(rootfs, join(work, 'rootfs.tar'));
    const imported = expectSuccess(await docker(['import', '-', 'berth-smoke/busybox:1'], createReadStream(tar)), 'docker import');
    expect(imported.stdout.trim()).toMatch(/^sha256:[a-f0-9]{64}$/);
    try {
      const ran = expectSuccess(
        await docker(['run', '--rm', '--network', 'none', 'berth-smoke/busybox:1', '/bin/cat', '/hello.txt']),
        'docker run',
      );
      expect(ran.stdout).toBe(HELLO_TXT);
      const sh = await docker(['run', '--rm', '--network', 'none', 'berth-smoke/busybox:1', '/bin/sh', '-c', 'echo $((6*7)); exit 3']);
      expect(sh).toMatchObject({ stdout: '42\n', code: 3 });
    } finally {
      await docker(['rmi', 'berth-smoke/busybox:1']);
    }
  });

  it('skopeo reports its version', async () => {
    const { stdout } = expectSuccess(await skopeo(['--version']), 'skopeo --version');
    expect(stdout).toMatch(/^skopeo version \d+\.\d+\.\d+/);
  });

  it('umoci reports its version', async () => {
    const { stdout } = expectSuccess(await umoci(['--version']), 'umoci --version');
    expect(stdout).toMatch(/^umoci version \d+\.\d+\.\d+/);
  });
});
