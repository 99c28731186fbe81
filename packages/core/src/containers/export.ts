// `export`: a container's filesystem as one tar, streamed while the tree is walked (a file's bytes
// are read only when its entry is written). Entries in path order, owners, modes and times kept,
// hard links as links to the first name, symlinks as they are (never followed); sockets, fifos
// and devices are skipped, as the runtime never creates them.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { pack as tarPack, type Header } from 'tar-stream';

/**
 * Writes the tree at `root` as a tar. `prefix` names the entries below it (`etc/hosts` for a
 * prefix `etc`), and the top directory itself becomes an entry (`docker cp`'s archive); without
 * one, entries are relative to `root` (export).
 */
export async function exportTree(root: string, output: Writable, options: { prefix?: string } = {}): Promise<void> {
  const pack = tarPack();
  const piping = pipeline(pack as unknown as Readable, output);
  const seen = new Map<string, string>(); // dev:ino → first name, for hard links
  const entry = (fields: Partial<Header> & { name: string }, body?: Readable): Promise<void> =>
    new Promise((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      // tar-stream fills in what a header leaves out (uname, devices…).
      const h = fields as Header;
      if (!body) {
        pack.entry(h, done);
        return;
      }
      body.on('error', reject);
      // A reader that gives up destroys the pack and with it this entry: its error is ours to take.
      const sink = pack.entry(h, done);
      sink.on('error', reject);
      body.pipe(sink);
    });
  const named = (path: string): string => (options.prefix === undefined ? path : path === '' ? options.prefix : `${options.prefix}/${path}`);
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const n of names) {
      const path = rel === '' ? n : `${rel}/${n}`;
      await write(path);
    }
  };
  const write = async (path: string): Promise<void> => {
    const full = join(root, path);
    const st = await lstat(full);
    const common = { name: named(path), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isDirectory()) {
      if (common.name !== '') await entry({ ...common, name: `${common.name}/`, type: 'directory' });
      await walk(path);
    } else if (st.isSymbolicLink()) {
      await entry({ ...common, type: 'symlink', linkname: await readlink(full) });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? seen.get(key) : undefined;
      if (first) {
        await entry({ ...common, type: 'link', linkname: first });
        return;
      }
      if (st.nlink > 1) seen.set(key, common.name);
      await entry({ ...common, type: 'file', size: st.size }, createReadStream(full));
    }
  };
  try {
    await write('');
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
  }
  await piping;
}
