// Writes a docker-archive holding `count` distinct small images that share one base layer, so
// berth and docker can be filled with the very same images from one file.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

function layerTar(files) {
  // A minimal ustar stream built in memory: these layers are a few KiB each.
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const done = new Promise((resolve) => pack.on('end', resolve));
  for (const [name, content] of files) pack.entry({ name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, content);
  pack.finalize();
  return done.then(() => Buffer.concat(chunks));
}

const sha = (b) => createHash('sha256').update(b).digest('hex');

export async function writeArchiveOfMany(path, count, { repo = 'bench/img', base = 'shared base layer\n'.repeat(4096) } = {}) {
  const out = tar.pack();
  const written = pipeline(out, createWriteStream(path));
  const add = (name, buf) => new Promise((resolve, reject) => out.entry({ name, size: buf.length, mode: 0o644, mtime: new Date(0) }, buf, (e) => (e ? reject(e) : resolve())));
  const baseTar = await layerTar([['base.txt', base]]);
  const baseHex = sha(baseTar);
  await add(`blobs/sha256/${baseHex}`, baseTar);
  const manifest = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < count; i++) {
    const layer = await layerTar([[`id-${i}.txt`, `image ${i}\n`]]);
    const hex = sha(layer);
    await add(`blobs/sha256/${hex}`, layer);
    const created = new Date(t0 + i * 60_000).toISOString();
    const config = Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux', created,
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Labels: { 'bench.index': String(i) } },
      history: [{ created, created_by: 'base' }, { created, created_by: `image ${i}` }],
      rootfs: { type: 'layers', diff_ids: [`sha256:${baseHex}`, `sha256:${hex}`] },
    }));
    const cfgHex = sha(config);
    await add(`blobs/sha256/${cfgHex}`, config);
    manifest.push({ Config: `blobs/sha256/${cfgHex}`, RepoTags: [`${repo}-${i}:latest`], Layers: [`blobs/sha256/${baseHex}`, `blobs/sha256/${hex}`] });
  }
  await add('manifest.json', Buffer.from(JSON.stringify(manifest)));
  out.finalize();
  await written;
}
