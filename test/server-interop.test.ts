// berthd against real registry clients: skopeo pushes and pulls, docker pushes and pulls, and
// `berth images` on berthd's root shows what was pushed with the image ID and size docker shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, rootfsTar, skopeo, startPodman, HELLO_TXT, type PodmanPeer } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { startBerthd, type Berthd } from './support/berthd.js';
import { docker, dockerOk } from './support/docker.js';

let work: string;
let rootfsTarPath: string;
let source: Store;
let served: Store;
let berthd: Berthd;
let sourceId: string;

const ROW = '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'server-interop-'));
  rootfsTarPath = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'rootfs.tar'));
  source = await newStore('berthd-src-');
  sourceId = (await source.ok(['import', '-c', 'CMD ["cat", "/hello.txt"]', rootfsTarPath, 'src/img:1'])).trim();
  served = await newStore('berthd-root-');
  berthd = await startBerthd(served.root);
});

afterAll(async () => {
  await berthd?.stop();
  await Promise.all([source?.cleanup(), served?.cleanup()]);
  await rm(work, { recursive: true, force: true });
});

async function skopeoOk(args: string[]): Promise<string> {
  const r = await skopeo(args);
  if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

describe('skopeo ↔ berthd', () => {
  it('pushes an image that berth images then lists under the repository name, with its ID and size', async () => {
    await skopeoOk(['copy', '--dest-tls-verify=false', `oci:${source.root}:docker.io/src/img:1`, `docker://${berthd.host}/team/app:1`]);
    const sourceRow = (await source.ok(['images', '--format', ROW, 'src/img'])).trim();
    const row = (await served.ok(['images', '--format', ROW])).trim();
    // skopeo gzips the layer on the way; the image ID (config digest) and Docker size stay the same.
    expect(row).toBe(sourceRow.replace('src/img:1', 'team/app:1'));
    expect(row).toContain(sourceId.slice('sha256:'.length, 'sha256:'.length + 12));
    // The layer was inspected while it streamed in, not read a second time.
    expect(berthd.log()).not.toContain('reading the blob again');
  });

  it('pulls back what it pushed: same config, same manifest digest as berthd serves', async () => {
    const out = join(work, 'pulled');
    await skopeoOk(['copy', '--src-tls-verify=false', `docker://${berthd.host}/team/app:1`, `oci:${out}:back`]);
    const local = JSON.parse(await skopeoOk(['inspect', '--config', `oci:${out}:back`])) as { rootfs: { diff_ids: string[] } };
    const remote = JSON.parse(await skopeoOk(['inspect', '--tls-verify=false', '--config', `docker://${berthd.host}/team/app:1`])) as { rootfs: { diff_ids: string[] } };
    expect(local.rootfs.diff_ids).toEqual(remote.rootfs.diff_ids);
    const digest = JSON.parse(await skopeoOk(['inspect', '--tls-verify=false', `docker://${berthd.host}/team/app:1`])) as { Digest: string; RepoTags: string[] };
    expect(digest.RepoTags).toEqual(['1']);
    const res = await fetch(`${berthd.url}/v2/team/app/manifests/1`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
    expect(res.headers.get('docker-content-digest')).toBe(digest.Digest);
  });
});

describe('docker ↔ berthd', () => {
  it('docker push lands in the store with the ID and size docker shows', async () => {
    const ref = `${berthd.host}/dock/img:1`;
    await dockerOk(['import', '-c', 'CMD ["cat", "/hello.txt"]', rootfsTarPath, ref]);
    const pushed = await docker(['push', ref]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const dockerRow = (await dockerOk(['images', '--format', '{{.ID}} {{.Size}}', ref])).trim();
    const dockerId = (await dockerOk(['image', 'inspect', '-f', '{{.Id}}', ref])).trim();
    const row = (await served.ok(['images', '--format', ROW, 'dock/img'])).trim();
    expect(row).toBe(`dock/img:1 ${dockerRow}`);
    expect(berthd.log()).not.toContain('reading the blob again');
    const inspect = JSON.parse(await served.ok(['image', 'inspect', 'dock/img:1'])) as { Id: string; RepoDigests: string[] }[];
    expect(inspect[0]!.Id).toBe(dockerId);
    // docker prints the pushed digest; berth records it as the image's repo digest.
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)?.[1];
    expect(inspect[0]!.RepoDigests).toContain(`dock/img@${digest}`);
    await dockerOk(['rmi', ref]);
  });

  it('docker pull gets the image skopeo pushed, and it runs', async () => {
    const ref = `${berthd.host}/team/app:1`;
    const pulled = await docker(['pull', ref]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect((await dockerOk(['image', 'inspect', '-f', '{{.Id}}', ref])).trim()).toBe(sourceId);
    expect(await dockerOk(['run', '--rm', '--network', 'none', ref])).toBe(HELLO_TXT);
    await dockerOk(['rmi', ref]);
  });

  it('docker search finds the repositories berthd serves', async () => {
    // dockerd asks berthd's /v1/search and prints the names as the registry gives them.
    const out = await dockerOk(['search', '--format', '{{.Name}}', `${berthd.host}/app`]);
    expect(out.trim().split('\n')).toEqual(['team/app']);
    const img = await dockerOk(['search', '--format', '{{.Name}}', `${berthd.host}/img`]);
    expect(img.trim().split('\n')).toEqual(['dock/img']);
  });

  it('docker pull of a tag berthd does not have fails with manifest unknown', async () => {
    const r = await docker(['pull', `${berthd.host}/team/app:nope`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/manifest unknown|not found/i);
  });
});

describe('podman ↔ berthd', () => {
  let peer: PodmanPeer;
  beforeAll(async () => {
    peer = await startPodman();
  });
  afterAll(async () => {
    await peer?.cleanup();
  });

  async function podmanOk(args: string[]): Promise<string> {
    const r = await peer.podman(args);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  it('podman pull gets the image skopeo pushed, with the same image ID', async () => {
    await podmanOk(['pull', '--tls-verify=false', `${berthd.host}/team/app:1`]);
    const id = (await podmanOk(['image', 'inspect', '--format', '{{.Id}}', `${berthd.host}/team/app:1`])).trim();
    expect(`sha256:${id}`).toBe(sourceId);
  });

  it('podman push lands in the store under the new name with the same image ID', async () => {
    await podmanOk(['tag', `${berthd.host}/team/app:1`, `${berthd.host}/pod/img:2`]);
    await podmanOk(['push', '--tls-verify=false', `${berthd.host}/pod/img:2`]);
    const id = (await served.ok(['image', 'inspect', '--format', '{{.Id}}', 'pod/img:2'])).trim();
    expect(id).toBe(sourceId);
    // Read back by a second client: skopeo sees the same config digest berthd stored.
    const remote = JSON.parse(await skopeoOk(['inspect', '--tls-verify=false', '--config', `docker://${berthd.host}/pod/img:2`])) as { rootfs: { diff_ids: string[] } };
    expect(remote.rootfs.diff_ids.length).toBeGreaterThan(0);
  });
});
