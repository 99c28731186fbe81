// Test helpers: busybox images as RuntimeLayers, containers run to completion, layer tars listed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import type { Digest, ProcessSpec, Rootfs, RuntimeLayer } from '@berth/core';
import { busyboxRootfs, rootfsTar } from '@berth/testkit';

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `berth-rt-${label}-`));
}

export async function sha256File(path: string): Promise<Digest> {
  return `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
}

/** A layer read from a tar file on disk (compressed or not). */
export async function fileLayer(path: string, diffID?: Digest): Promise<RuntimeLayer> {
  return { diffID: diffID ?? (await sha256File(path)), open: async () => createReadStream(path) };
}

/** The busybox rootfs as one uncompressed layer file in `dir`. */
export async function busyboxLayer(dir: string): Promise<{ tar: string; layer: RuntimeLayer }> {
  const root = await busyboxRootfs(join(dir, 'busybox'));
  const tar = await rootfsTar(root, join(dir, 'busybox.tar'));
  await rm(root, { recursive: true, force: true });
  return { tar, layer: await fileLayer(tar) };
}

export function spec(args: string[], extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return { args, env: ['PATH=/bin'], cwd: '/', user: '', network: 'none', ...extra };
}

export async function runIn(rootfs: Rootfs, s: ProcessSpec, signal?: AbortSignal): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on('data', (c: Buffer) => o.push(c));
  err.on('data', (c: Buffer) => e.push(c));
  const { exitCode } = await rootfs.run(s, { stdout: out, stderr: err }, signal);
  return { exitCode, stdout: Buffer.concat(o).toString(), stderr: Buffer.concat(e).toString() };
}

/** Every byte of a stream. */
export { buffer as readAll } from 'node:stream/consumers';

export interface Listed { name: string; type: string; linkname?: string; body: string; mode: number; mtime: number; pax?: Record<string, string> }

/** Every entry of a tar, with small bodies as text. */
export async function listTar(tar: Buffer): Promise<Listed[]> {
  const out: Listed[] = [];
  const ex = extract();
  ex.on('entry', (h: Header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer) => chunks.push(c));
    body.on('end', () => {
      out.push({
        name: h.name, type: h.type ?? 'file', body: Buffer.concat(chunks).toString(), mode: h.mode ?? 0, mtime: (h.mtime?.getTime() ?? 0) / 1000,
        ...(h.linkname ? { linkname: h.linkname } : {}), ...(h.pax ? { pax: h.pax } : {}),
      });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    Readable.from([tar]).pipe(ex as unknown as NodeJS.WritableStream);
  });
  return out;
}

export interface TreeNode { type: string; mode: number; uid: number; gid: number; content?: string; link?: string; mtime?: number }

/** Every path below `root` with what a user of the tree sees (content hashed), skipping `except`. */
export async function treeListing(root: string, options: { except?: string[]; mtimes?: boolean } = {}): Promise<Record<string, TreeNode>> {
  const { lstat, readdir, readlink } = await import('node:fs/promises');
  const out: Record<string, TreeNode> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      if (options.except?.includes(path)) continue;
      const abs = join(root, path);
      const st = await lstat(abs);
      const node: TreeNode = { type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (st.isFile()) node.content = createHash('sha256').update(await readFile(abs)).digest('hex').slice(0, 16);
      if (st.isSymbolicLink()) node.link = await readlink(abs);
      if (options.mtimes && !st.isDirectory() && !st.isSymbolicLink()) node.mtime = Math.floor(st.mtimeMs / 1000);
      out[path] = node;
      if (st.isDirectory()) await walk(path);
    }
  };
  await walk('');
  return out;
}

/** An OCI image layout with `layers` (uncompressed tar files) tagged `latest`, for umoci. */
export async function ociLayout(dir: string, layers: string[]): Promise<string> {
  const { copyFile, mkdir, writeFile } = await import('node:fs/promises');
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (data: Buffer): Promise<{ digest: string; size: number }> => {
    const hex = createHash('sha256').update(data).digest('hex');
    await writeFile(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const layerDescs = [];
  for (const tar of layers) {
    const digest = await sha256File(tar);
    await copyFile(tar, join(blobs, digest.slice(7)));
    layerDescs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: (await readFile(tar)).length });
  }
  const config = await put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layerDescs.map((l) => l.digest) } })));
  const manifest = await put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: layerDescs })));
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
  return dir;
}
