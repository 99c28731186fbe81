// The single streaming pass over an archive (plain or gzip): every regular entry is staged to a file
// and hashed (layers inspected too), entry names are checked, and the staging dir is left clean on failure.
import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';
import { drain } from '../drain.js';
import { BerthError, fromSystemError } from '../errors.js';
import type { Digest } from '../digest.js';
import { entryPath, hardlinkTarget, openUncompressed, symlinkTarget, SymlinkGuard, tarFormatError } from '../layer/index.js';
import { ArchiveTree } from './archive-tree.js';
import { EntryStager, type StagedFile } from './entry-stager.js';

export interface StageOptions {
  stagingDir: string;
  allowDevices?: boolean;
  signal?: AbortSignal;
  /** Names the archive in messages. */
  what?: string;
}

export interface StagedArchive {
  tree: ArchiveTree;
  /** Every distinct content staged, by sha256 of its bytes. */
  blobs: Map<Digest, StagedFile>;
  /** Every staging file created (some already removed as duplicates); close() deletes them. */
  stagedPaths: string[];
}

const BLOB_NAME = /^blobs\/sha256\/([a-f0-9]{64})$/;

export async function removeStaged(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true })));
}


class ArchiveStager {
  readonly tree = new ArchiveTree();
  readonly blobs = new Map<Digest, StagedFile>();
  readonly stagedPaths: string[] = [];
  private readonly guard = new SymlinkGuard();
  private readonly token = randomBytes(6).toString('hex');
  private readonly what: string;
  /** Staging files still being created: a cleanup waits for them, or a file could appear after it. */
  private readonly opening = new Set<Promise<unknown>>();

  constructor(private readonly options: StageOptions) {
    this.what = options.what ?? 'archive';
  }

  async entry(header: Header, body: Readable): Promise<void> {
    const { what } = this;
    const name = entryPath(header.name, what);
    if (name === '') {
      if (header.type !== 'directory') throw new BerthError('ERR_UNSAFE_PATH', `${what}: entry "${header.name}" replaces the root with a ${header.type}`);
      return drain(body);
    }
    this.guard.check(name, what);
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        this.tree.set(name, { kind: 'file', file: await this.stage(name, body) });
        this.guard.record(name, false);
        return;
      case 'directory':
        this.tree.set(name, { kind: 'dir' });
        this.guard.record(name, false);
        return drain(body);
      case 'symlink':
        this.tree.set(name, { kind: 'symlink', target: symlinkTarget(name, header.linkname ?? '', what) });
        this.guard.record(name, true);
        return drain(body);
      case 'link': {
        const target = hardlinkTarget(name, header.linkname ?? '', what);
        this.guard.check(target, what, 'hard link target');
        const node = this.tree.get(target);
        if (!node) throw new BerthError('ERR_ARCHIVE_INVALID', `${what}: hard link "${name}" points to "${target}", which is not earlier in the archive`);
        this.tree.set(name, node);
        this.guard.record(name, node.kind === 'symlink');
        return drain(body);
      }
      default:
        // Devices and fifos mean nothing in an image archive; nothing of them is created.
        return drain(body);
    }
  }

  private async stage(name: string, body: Readable): Promise<StagedFile> {
    const path = join(this.options.stagingDir, `archive-${this.token}-${this.stagedPaths.length}`);
    this.stagedPaths.push(path);
    const opened = open(path, 'wx', 0o600);
    const settled = opened.catch(() => undefined);
    this.opening.add(settled);
    const handle = await opened.finally(() => this.opening.delete(settled));
    let file: StagedFile;
    try {
      const stager = new EntryStager(handle, name, path, { allowDevices: this.options.allowDevices ?? true, what: `${this.what}: ${name}` });
      await pipeline(body, stager);
      file = stager.result();
    } finally {
      await handle.close();
    }
    // An OCI layout names each blob by its digest: the name must be the truth.
    const m = BLOB_NAME.exec(name);
    if (m && file.digest !== `sha256:${m[1]}`) {
      throw new BerthError('ERR_DIGEST_MISMATCH', `${this.what}: ${name} does not hold what its name says (its content is ${file.digest})`);
    }
    const same = this.blobs.get(file.digest);
    if (same) {
      // The same bytes twice (old archives repeat shared layers): keep one copy on disk.
      await rm(path, { force: true });
      return same;
    }
    this.blobs.set(file.digest, file);
    return file;
  }

  /** Removes every staging file, once none is still being created. */
  async removeAll(): Promise<void> {
    await Promise.all(this.opening);
    await removeStaged(this.stagedPaths);
  }
}

/** Reads the archive once; on any failure every staged file is removed before the error is thrown. */
export async function stageArchive(input: Readable, options: StageOptions): Promise<StagedArchive> {
  const what = options.what ?? 'archive';
  const stager = new ArchiveStager(options);
  try {
    const { stream } = await openUncompressed(input, { kind: 'archive', what });
    const extract = tarExtract({ allowUnknownFormat: true } as Parameters<typeof tarExtract>[0]);
    // streamx re-emits errors after Node's pipeline stops listening; the pipeline reports them.
    extract.on('error', () => {});
    extract.on('entry', (header, body, next) => {
      body.on('error', () => {});
      stager.entry(header, body as unknown as Readable).then(() => next(), (err: Error) => next(err));
    });
    await (options.signal ? pipeline(stream, extract, { signal: options.signal }) : pipeline(stream, extract));
  } catch (err) {
    input.destroy();
    await stager.removeAll();
    throw fromSystemError(tarFormatError(err, 'ERR_ARCHIVE_INVALID', what), 'staging the archive');
  }
  return { tree: stager.tree, blobs: stager.blobs, stagedPaths: stager.stagedPaths };
}
