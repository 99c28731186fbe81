// Paths inside a container's rootfs, resolved as the container would see them: symlinks are
// followed but never above the rootfs (moby's FollowSymlinkInScope), so `/etc/passwd -> /host`
// reads the rootfs's /host, never the host's.
import { lstat, mkdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../errors.js';

/** The host path of `path` inside `root`; missing components are made as 0755 directories when `create`. */
export async function resolveInRoot(root: string, path: string, options: { create?: boolean } = {}): Promise<string> {
  const queue = path.split('/');
  const done: string[] = [];
  let links = 0;
  while (queue.length > 0) {
    const part = queue.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    const st = await lstat(host).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++links > 40) throw new BerthError('ERR_UNSAFE_PATH', `too many levels of symbolic links in "${path}"`);
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      queue.unshift(...target.split('/'));
      continue;
    }
    if (!st && options.create) await mkdir(host, { mode: 0o755 });
    else if (!st) return join(root, ...done, part, ...queue);
    done.push(part);
  }
  return join(root, ...done);
}
