// `docker cp` out of a container: a path inside the rootfs, found as moby's archive endpoint finds
// it (parents resolved in the rootfs's scope, the last component taken as it is unless the path
// ends in `/` or `/.`), its stat in the shape of the X-Docker-Container-Path-Stat header, and the
// tar of it whose entries start with the path's own last name.
import type { Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import { exportTree } from './export.js';
import { resolveInRoot } from './root-path.js';
import { formatRFC3339Nano } from './time.js';

/** moby's container.PathStat (the header's JSON). */
export interface ContainerPathStat {
  name: string;
  size: number;
  /** Go's os.FileMode: permission bits with the type bits above them. */
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode bits for a file's type and special permissions. */
export function goFileMode(st: Stats): number {
  let m = st.mode & 0o777;
  if (st.isDirectory()) m |= 2 ** 31;
  if (st.isSymbolicLink()) m |= 2 ** 27;
  if (st.isBlockDevice()) m |= 2 ** 26;
  if (st.isCharacterDevice()) m |= 2 ** 26 + 2 ** 21;
  if (st.isFIFO()) m |= 2 ** 25;
  if (st.isSocket()) m |= 2 ** 24;
  if (st.mode & 0o4000) m |= 2 ** 23;
  if (st.mode & 0o2000) m |= 2 ** 22;
  if (st.mode & 0o1000) m |= 2 ** 20;
  // Bit operators work on int32: the directory bit (2^31) would make the number negative.
  return m >>> 0;
}

/** The host path of `path` in the rootfs at `root`, and the name its entries take. */
export async function containerPathOnHost(root: string, path: string): Promise<{ host: string; name: string }> {
  const absolute = path.startsWith('/') ? path : `/${path}`;
  // A trailing `/.` asks for the directory's contents (entries named `./…`), a trailing `/` for
  // the directory a symlink names; either way the last component is followed.
  const follow = absolute.endsWith('/') || absolute.endsWith('/.');
  const clean = posix.normalize(absolute).replace(/\/+$/, '') || '/';
  const name = absolute.endsWith('/.') ? '.' : posix.basename(clean) || '/';
  if (follow || clean === '/') return { host: await resolveInRoot(root, clean), name };
  return { host: join(await resolveInRoot(root, posix.dirname(clean)), posix.basename(clean)), name };
}

function notFound(path: string, container: string): BerthError {
  return new BerthError('ERR_CONTAINER_UNKNOWN', `Could not find the file ${path} in container ${container}`);
}

export async function statContainerPath(root: string, path: string, container: string): Promise<ContainerPathStat> {
  const { host, name } = await containerPathOnHost(root, path);
  const st = await lstat(host).catch(() => {
    throw notFound(path, container);
  });
  return {
    name,
    size: st.size,
    mode: goFileMode(st),
    mtime: formatRFC3339Nano(st.mtime),
    linkTarget: st.isSymbolicLink() ? await readlink(host) : '',
  };
}

/** The tar `docker cp CONTAINER:PATH` reads: the path itself (a directory with all below it). */
export async function archiveContainerPath(root: string, path: string, container: string, output: Writable): Promise<void> {
  const { host, name } = await containerPathOnHost(root, path);
  await lstat(host).catch(() => {
    throw notFound(path, container);
  });
  await exportTree(host, output, { prefix: name === '/' ? '.' : name });
}
