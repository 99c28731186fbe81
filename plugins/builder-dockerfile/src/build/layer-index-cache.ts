// The file list of each layer a build has seen, on disk beside the store (`berth/build/layers/`),
// keyed by diffID: a warm build reads a few kB of JSON instead of the layer tars.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Header } from 'tar-stream';
import type { LayerIndexCache } from './image-fs.js';

type Row = [name: string, type: string, mode: number, uid: number, gid: number, size: number, mtime: number, linkname: string, devmajor: number, devminor: number];

export function layerIndexCache(dir: string): LayerIndexCache {
  const file = (diffID: string): string => join(dir, `${diffID.replace(/^sha256:/, '')}.json`);
  return {
    async get(diffID) {
      let rows: Row[];
      try {
        rows = JSON.parse(await readFile(file(diffID), 'utf8')) as Row[];
      } catch {
        return undefined;
      }
      return rows.map(([name, type, mode, uid, gid, size, mtime, linkname, devmajor, devminor]) => ({
        name, type: type as Header['type'], mode, uid, gid, size, mtime: new Date(mtime), linkname, devmajor, devminor,
      }) as Header);
    },
    async put(diffID, headers) {
      const rows: Row[] = headers.map((h) => [h.name, h.type ?? 'file', h.mode ?? 0, h.uid ?? 0, h.gid ?? 0, h.size ?? 0, h.mtime?.getTime() ?? 0, h.linkname ?? '', h.devmajor ?? 0, h.devminor ?? 0]);
      await mkdir(dir, { recursive: true });
      const tmp = `${file(diffID)}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(rows));
      await rename(tmp, file(diffID));
    },
  };
}
