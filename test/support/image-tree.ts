// An image's final filesystem from a `docker save` / `berth save` archive: the layers applied in
// order (OCI whiteouts included) into one map of path → type, mode, owner, link target, content
// hash. The same code reads docker's and berth's archives, so any difference is the images'.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { run } from '@berth/testkit';

export interface TreeEntry {
  type: string;
  mode: string;
  uid: number;
  gid: number;
  link?: string;
  sha256?: string;
}

export type Tree = Map<string, TreeEntry>;

function clean(name: string): string {
  return name.replace(/^\.\//, '').replace(/\/+$/, '');
}

function removeUnder(tree: Tree, path: string, keepSelf: boolean): void {
  for (const k of [...tree.keys()]) if (k.startsWith(`${path}/`) || (!keepSelf && k === path)) tree.delete(k);
}

async function applyLayer(tree: Tree, file: string): Promise<void> {
  const head = Buffer.alloc(2);
  const fd = await import('node:fs/promises').then((m) => m.open(file, 'r'));
  await fd.read(head, 0, 2, 0);
  await fd.close();
  const source = head[0] === 0x1f && head[1] === 0x8b ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  const ex = extract();
  ex.on('entry', (h, body, next) => {
    const path = clean(h.name);
    const base = path.slice(path.lastIndexOf('/') + 1);
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    const done = (entry?: TreeEntry): void => {
      if (entry) {
        const old = tree.get(path);
        if (old && !(old.type === 'dir' && entry.type === 'dir')) removeUnder(tree, path, false);
        tree.set(path, entry);
      }
      next();
    };
    if (base === '.wh..wh..opq') {
      removeUnder(tree, dir, true);
      body.resume();
      body.on('end', () => done());
      return;
    }
    if (base.startsWith('.wh.')) {
      removeUnder(tree, dir === '' ? base.slice(4) : `${dir}/${base.slice(4)}`, false);
      body.resume();
      body.on('end', () => done());
      return;
    }
    const common = { mode: ((h.mode ?? 0) & 0o7777).toString(8).padStart(4, '0'), uid: h.uid ?? 0, gid: h.gid ?? 0 };
    if (h.type === 'file' || h.type === 'contiguous-file') {
      const hash = createHash('sha256');
      body.on('data', (c: Buffer) => hash.update(c));
      body.on('end', () => done({ ...common, type: 'file', sha256: hash.digest('hex') }));
      return;
    }
    body.resume();
    body.on('end', () => {
      if (h.type === 'directory') done({ ...common, type: 'dir' });
      else if (h.type === 'symlink') done({ ...common, type: 'symlink', link: h.linkname ?? '' });
      // A hard link is the same file as its target: compare it as such.
      else if (h.type === 'link') done({ ...(tree.get(clean(h.linkname ?? '')) ?? { ...common, type: 'file' }), mode: common.mode, uid: common.uid, gid: common.gid });
      else done({ ...common, type: h.type ?? 'unknown' });
    });
  });
  await pipeline(source, ex);
}

/** The merged filesystem of the first image in a docker-archive file. */
export async function imageTree(archive: string): Promise<Tree> {
  const dir = await mkdtemp(join(tmpdir(), 'image-tree-'));
  try {
    const r = await run('tar', ['-xf', archive, '-C', dir]);
    if (r.code !== 0) throw new Error(`tar -xf ${archive}: ${r.stderr}`);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
    const tree: Tree = new Map();
    for (const layer of manifest[0]!.Layers) await applyLayer(tree, join(dir, layer));
    return tree;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Lines naming every path whose entries differ (or exist on one side only). */
export function diffTrees(a: Tree, b: Tree, names: [string, string]): string[] {
  const out: string[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(path);
    const y = b.get(path);
    const sx = x ? JSON.stringify(x) : 'missing';
    const sy = y ? JSON.stringify(y) : 'missing';
    if (sx !== sy) out.push(`/${path}: ${names[0]} ${sx} ≠ ${names[1]} ${sy}`);
  }
  return out;
}
