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

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

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
