// Bad input gets one clear line on stderr, a non-zero exit, and leaves the store exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { busyboxRootfs, corruptGzip, hostileTar, rootfsTar, truncateFile, run } from '@berth/testkit';
import { fingerprint, newStore, BERTH_BIN, type Store } from './support/berth.js';

let work: string;
let store: Store;
let goodTar: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'hostile-'));
  const rootfs = await busyboxRootfs(join(work, 'rootfs'));
  goodTar = await rootfsTar(rootfs, join(work, 'good.tar'));
  store = await newStore();
  await store.ok(['import', goodTar, 'good:1']);
});

afterAll(async () => {
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

async function expectRefused(args: string[], pattern: RegExp, options: Parameters<Store['berth']>[1] = {}): Promise<void> {
  const before = await fingerprint(store.root);
  const r = await store.berth(args, options);
  expect(r.code, r.stdout).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^Error: /);
  expect(lines[0]).toMatch(pattern);
  expect(await fingerprint(store.root)).toEqual(before);
}

async function writeArchive(path: string, files: Record<string, string | Buffer>): Promise<string> {
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(path));
  for (const [name, body] of Object.entries(files)) pack.entry({ name }, typeof body === 'string' ? Buffer.from(body) : body);
  pack.finalize();
  await done;
  return path;
}

describe('import refuses unsafe tarballs', () => {
  const cases: [string, Parameters<typeof hostileTar>[1], RegExp][] = [
    ['a ../ entry', [{ name: 'ok.txt', content: 'x' }, { name: '../escape.txt', content: 'x' }], /escape|outside|\.\./i],
    ['a nested ../ climbing out', [{ name: 'a/', type: 'directory' }, { name: 'a/../../etc/passwd', content: 'x' }], /escape|outside|\.\./i],
    ['an absolute entry name', [{ name: '/etc/passwd', content: 'root::0:0::/:/bin/sh\n' }], /absolute/i],
    ['a symlink then a write through it', [{ name: 'link', type: 'symlink', linkname: '/etc' }, { name: 'link/passwd', content: 'x' }], /symlink|link/i],
    ['a relative symlink climbing out', [{ name: 'up', type: 'symlink', linkname: '../../../../etc/shadow' }], /symlink|outside|escape/i],
    ['a hardlink to an absolute path', [{ name: 'hl', type: 'link', linkname: '/etc/shadow' }], /link|absolute|outside/i],
    ['a hardlink climbing out', [{ name: 'hl', type: 'link', linkname: '../../etc/shadow' }], /link|outside|escape/i],
  ];
  for (const [what, entries, pattern] of cases) {
    it(`refuses ${what}`, async () => {
      const path = await hostileTar(join(work, `${what.replace(/\W+/g, '-')}.tar`), entries);
      await expectRefused(['import', path, 'bad:1'], pattern);
    });
  }

  it('refuses device files when not run as root', async () => {
    const path = await hostileTar(join(work, 'dev.tar'), [{ name: 'dev/', type: 'directory' }, { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }]);
    // The store must be writable by the unprivileged user for the refusal to be about the device.
    const nobody = await newStore('berth-nobody-');
    try {
      await chmod(nobody.root, 0o777);
      await chmod(work, 0o755);
      await chmod(path, 0o644);
      const r = await run(process.execPath, [BERTH_BIN, 'import', path, 'dev:1'], { env: { ...process.env, BERTH_ROOT: nobody.root, HOME: '/tmp' }, uid: 65534, gid: 65534 } as never);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/device/i);
    } finally {
      await nobody.cleanup();
    }
  });

  it('refuses a truncated gzip', async () => {
    const gz = await rootfsTar(join(work, 'rootfs'), join(work, 'trunc.tar.gz'), { gzip: true });
    await truncateFile(gz, 4096);
    await expectRefused(['import', gz, 'bad:2'], /unexpected end|truncated|EOF/i);
  });

  it('refuses a corrupt gzip', async () => {
    const gz = await rootfsTar(join(work, 'rootfs'), join(work, 'corrupt.tar.gz'), { gzip: true });
    await corruptGzip(gz, 'payload');
    await expectRefused(['import', gz, 'bad:3'], /gzip|corrupt|invalid|check/i);
  });

  it('refuses a truncated plain tar', async () => {
    const t = join(work, 'trunc.tar');
    await writeFile(t, (await readFile(goodTar)).subarray(0, 3000));
    await expectRefused(['import', t, 'bad:4'], /unexpected end|truncated|EOF/i);
  });
});

describe('load refuses bad archives', () => {
  it('refuses a manifest.json whose layer does not match the config', async () => {
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(64)}`] } });
    const { createHash } = await import('node:crypto');
    const cfgHex = createHash('sha256').update(config).digest('hex');
    const layer = await readFile(goodTar);
    const path = await writeArchive(join(work, 'mismatch.tar'), {
      [`${cfgHex}.json`]: config,
      'abc/layer.tar': layer,
      'manifest.json': JSON.stringify([{ Config: `${cfgHex}.json`, RepoTags: ['mismatch:1'], Layers: ['abc/layer.tar'] }]),
    });
    await expectRefused(['load', '-i', path], /digest|diff_?id|mismatch/i);
  });

  it('refuses a blob whose content does not match its name', async () => {
    const path = await writeArchive(join(work, 'badblob.tar'), {
      'oci-layout': '{"imageLayoutVersion":"1.0.0"}',
      [`blobs/sha256/${'1'.repeat(64)}`]: 'not what the name says',
      'index.json': JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 22 }] }),
    });
    await expectRefused(['load', '-i', path], /digest|mismatch|does not hold what its name says/i);
  });

  it('refuses JSON that is not a manifest', async () => {
    const path = await writeArchive(join(work, 'notmanifest.tar'), { 'manifest.json': JSON.stringify({ hello: 'world' }) });
    await expectRefused(['load', '-i', path], /manifest/i);
  });

  it('refuses an archive with a path traversal entry', async () => {
    const path = await hostileTar(join(work, 'traversal-archive.tar'), [{ name: '../../evil.json', content: '{}' }, { name: 'manifest.json', content: '[]' }]);
    await expectRefused(['load', '-i', path], /escape|outside|\.\.|unsafe/i);
  });

  it('refuses a truncated archive', async () => {
    const archive = join(work, 'to-truncate.tar');
    await store.ok(['save', '-o', archive, 'good:1']);
    await truncateFile(archive, 100_000);
    await expectRefused(['load', '-i', archive], /unexpected end|truncated|EOF/i);
  });
});

describe('references Docker rejects', () => {
  for (const ref of ['UPPER:1', 'bad name', 'a:b:c', 'x@sha256:123', `${'a'.repeat(64)}`, 'repo:-tag']) {
    it(`refuses tag target ${JSON.stringify(ref)}`, async () => {
      await expectRefused(['tag', 'good:1', ref], /invalid reference format|invalid repository name|digest/i);
    });
  }
  it('refuses an import name Docker rejects before reading the file', async () => {
    await expectRefused(['import', goodTar, 'Bad/Name'], /invalid reference format/i);
  });
});
