import { Args, Flags } from '@oclif/core';
import type { ContainerService, CopyInfo } from '@berth/core';
import type { Readable, Transform } from 'node:stream';
import { BerthCommand } from '../base-command.js';

// Go's os.FileMode bits, as ContainerService.statPath reports them.
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_DEVICE = 2 ** 26;
const MODE_IRREGULAR = 2 ** 19;
const has = (mode: number, bit: number): boolean => Math.floor(mode / bit) % 2 === 1;

interface CpFlags {
  archive: boolean;
  'follow-link': boolean;
  quiet: boolean;
}

export default class Cp extends BerthCommand {
  static override summary = 'Copy files/folders between a container and the local filesystem';
  static override description = "Use '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.";
  static override aliases = ['container:cp'];
  static override usage = ['cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-', 'cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH'];
  static override examples = ['<%= config.bin %> cp web:/etc/nginx ./nginx', '<%= config.bin %> cp ./site/. web:/usr/share/html', '<%= config.bin %> cp web:/var/log - > logs.tar'];
  static override args = {
    source: Args.string({ description: 'CONTAINER:SRC_PATH, SRC_PATH or -', required: true }),
    destination: Args.string({ description: 'DEST_PATH, - or CONTAINER:DEST_PATH', required: true }),
  };
  static override flags = {
    archive: Flags.boolean({ char: 'a', description: 'Archive mode (copy all uid/gid information)' }),
    'follow-link': Flags.boolean({ char: 'L', description: 'Always follow symbol link in SRC_PATH' }),
    quiet: Flags.boolean({ char: 'q', description: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Cp);
    const { BerthError } = await import('@berth/core');
    const { splitCpArg } = await import('../containers/copy-host.js');
    if (args.source === '') throw new BerthError('ERR_INVALID_ARGUMENT', 'source can not be empty');
    if (args.destination === '') throw new BerthError('ERR_INVALID_ARGUMENT', 'destination can not be empty');
    const src = splitCpArg(args.source);
    const dst = splitCpArg(args.destination);
    if (src.container !== undefined && dst.container !== undefined) throw new BerthError('ERR_INVALID_ARGUMENT', 'copying between containers is not supported');
    if (src.container === undefined && dst.container === undefined) throw new BerthError('ERR_INVALID_ARGUMENT', 'must specify at least one container source');
    const containers = await this.containers(flags.root);
    // As docker: a summary line only when stdout is a terminal, unless -q.
    const report = !flags.quiet && process.stdout.isTTY === true;
    if (src.container !== undefined) await this.fromContainer(containers, src.container, src.path, dst.path, flags, report);
    else await this.toContainer(containers, dst.container!, src.path, dst.path, flags, report);
  }

  /** docker's copyFromContainer. */
  private async fromContainer(containers: ContainerService, container: string, srcPath: string, dstPath: string, flags: CpFlags, report: boolean): Promise<void> {
    const { cleanPath, getRebaseName, splitPathDirEntry, prepareArchiveCopy, rebaseArchiveEntries, extractOntoHost } = await import('@berth/core');
    const host = await import('../containers/copy-host.js');
    const dest = dstPath === '-' ? '-' : host.resolveLocalPath(dstPath);
    if (dest !== '-') await host.validateOutputPath(dest);
    let source = srcPath;
    let rebaseName: string | undefined;
    if (flags['follow-link']) {
      const st = await containers.statPath(container, source).catch(() => undefined);
      if (st && has(st.mode, MODE_SYMLINK)) {
        const target = st.linkTarget.startsWith('/') ? st.linkTarget : cleanPath(`${splitPathDirEntry(source).dir}/${st.linkTarget}`);
        ({ path: source, rebaseName } = getRebaseName(source, target));
      }
    }
    const stat = await containers.statPath(container, source);
    if (dest === '-') return containers.archivePath(container, source, process.stdout);

    const srcInfo: CopyInfo = { path: source, exists: true, isDir: has(stat.mode, MODE_DIR), ...(rebaseName ? { rebaseName } : {}) };
    const dstInfo = await host.copyInfoDestinationPath(dest);
    const prepared = prepareArchiveCopy(srcInfo, dstInfo);
    const { counted, bytes } = await byteCounter();
    const archived = containers.archivePath(container, source, counted);
    let tar: Readable = counted;
    if (rebaseName) tar = rebaseArchiveEntries(tar, splitPathDirEntry(source).base, rebaseName);
    if (prepared.rebase) tar = rebaseArchiveEntries(tar, prepared.rebase.from, prepared.rebase.to);
    await settleBoth(archived, extractOntoHost(prepared.dir, tar, { what: `the archive from ${container}:${source}`, noOverwriteDirNonDir: true }), counted);
    if (report) await this.summary(bytes(), dest);
  }

  /** docker's copyToContainer: the container's destination stat'ed first, to know how the tar must land. */
  private async toContainer(containers: ContainerService, container: string, srcPath: string, dstPath: string, flags: CpFlags, report: boolean): Promise<void> {
    const { BerthError, cleanPath, prepareArchiveCopy, rebaseArchiveEntries, splitPathDirEntry } = await import('@berth/core');
    const host = await import('../containers/copy-host.js');
    const source = srcPath === '-' ? '-' : host.resolveLocalPath(srcPath);
    const dstInfo: CopyInfo = { path: dstPath, exists: false, isDir: false };
    // Any failure here is left to the extraction, which names it (docker ignores it too).
    let st = await containers.statPath(container, dstPath).catch(() => undefined);
    if (st && has(st.mode, MODE_SYMLINK)) {
      dstInfo.path = st.linkTarget.startsWith('/') ? st.linkTarget : cleanPath(`${splitPathDirEntry(dstPath).dir}/${st.linkTarget}`);
      st = await containers.statPath(container, dstInfo.path).catch(() => undefined);
    }
    if (st) {
      const problem = has(st.mode, MODE_DEVICE) ? 'got a device' : has(st.mode, MODE_IRREGULAR) ? 'got an irregular file' : undefined;
      if (problem) throw new BerthError('ERR_INVALID_ARGUMENT', `destination "${container}:${dstPath}" must be a directory or a regular file: ${problem}`);
      dstInfo.exists = true;
      dstInfo.isDir = has(st.mode, MODE_DIR);
    }
    let dir: string;
    let tar: Readable;
    if (source === '-') {
      if (!dstInfo.isDir) throw new BerthError('ERR_INVALID_ARGUMENT', `destination "${container}:${dstPath}" must be a directory`);
      dir = dstInfo.path;
      tar = process.stdin;
    } else {
      const srcInfo = await host.copyInfoSourcePath(source, flags['follow-link']);
      const prepared = prepareArchiveCopy(srcInfo, dstInfo);
      dir = prepared.dir;
      tar = host.tarHostSource(srcInfo);
      if (prepared.rebase) tar = rebaseArchiveEntries(tar, prepared.rebase.from, prepared.rebase.to);
    }
    const { counted, bytes } = await byteCounter();
    tar.pipe(counted);
    tar.on('error', (err) => counted.destroy(err));
    try {
      await containers.extractArchive(container, dir, counted, { noOverwriteDirNonDir: true, ...(flags.archive ? { copyUIDGID: true } : {}) });
    } finally {
      // A refused copy stops the host's tar too (its file handles, its walk).
      tar.destroy();
    }
    if (report) await this.summary(bytes(), `${container}:${dstInfo.path}`);
  }

  private async summary(bytes: number, dest: string): Promise<void> {
    const { humanSizeWithPrecision } = await import('@berth/core');
    this.errLine(`Successfully copied ${humanSizeWithPrecision(bytes, 3)} to ${dest}`);
  }
}

/** A pass-through that counts the tar's bytes, for the summary line. */
async function byteCounter(): Promise<{ counted: Transform; bytes: () => number }> {
  const { Transform } = await import('node:stream');
  let n = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      done(null, chunk);
    },
  });
  return { counted, bytes: () => n };
}

/**
 * The producer and the consumer of one tar: when either fails, the stream between them is
 * destroyed so the other stops too, and the first failure is what the user sees.
 */
async function settleBoth(producer: Promise<void>, consumer: Promise<void>, between: { destroy(err?: Error): void }): Promise<void> {
  let first: { err: unknown } | undefined;
  const failed = (err: unknown): void => {
    first ??= { err };
    between.destroy(err as Error);
  };
  await Promise.all([producer.catch(failed), consumer.catch(failed)]);
  if (first) throw first.err;
}
