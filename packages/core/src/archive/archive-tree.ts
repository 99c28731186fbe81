// What an archive holds, by clean path: staged files, directories and symlinks (old `docker save`
// links a shared `<id>/layer.tar` to another layer's), resolved without ever leaving the archive.
import { BerthError } from '../errors.js';
import { entryPath } from '../layer/index.js';
import type { StagedFile } from './entry-stager.js';

export type ArchiveNode = { kind: 'file'; file: StagedFile } | { kind: 'symlink'; target: string } | { kind: 'dir' };

/** Linux's MAXSYMLINKS: more hops than this is a loop. */
const MAX_HOPS = 40;

export class ArchiveTree {
  readonly nodes = new Map<string, ArchiveNode>();

  set(path: string, node: ArchiveNode): void {
    this.nodes.set(path, node);
  }

  get(path: string): ArchiveNode | undefined {
    return this.nodes.get(path);
  }

  /** The staged file a path names (as manifest.json writes it), following symlinks inside the archive. */
  resolve(name: string, what: string): StagedFile | undefined {
    let path = entryPath(name, what);
    for (let hop = 0; hop <= MAX_HOPS; hop++) {
      const parts = path.split('/');
      let redirected: string | undefined;
      for (let i = 1; i <= parts.length && redirected === undefined; i++) {
        const node = this.nodes.get(parts.slice(0, i).join('/'));
        if (node?.kind === 'symlink') redirected = [node.target, ...parts.slice(i)].filter((p) => p !== '').join('/');
      }
      if (redirected === undefined) {
        const node = this.nodes.get(path);
        return node?.kind === 'file' ? node.file : undefined;
      }
      path = redirected;
    }
    throw new BerthError('ERR_ARCHIVE_INVALID', `${what}: too many levels of symbolic links resolving "${name}"`);
  }
}
