// runtime-oci's ContainerRuntime: a rootfs per container over the unpack cache, one process at a
// time run by runc (or crun, BERTH_OCI_RUNTIME) in a bundle written next to the container's files.
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  BerthError,
  resolveInRoot,
  resolveUser,
  type ContainerRuntime,
  type Digest,
  type DiffOptions,
  type ExecSpec,
  type ProcessIO,
  type ProcessSpec,
  type Rootfs,
  type RuntimeFactoryOptions,
  type RuntimeCachePruneResult,
  type RuntimeLayer,
  type RuntimeStats,
  type FileChange,
} from '@berth/core';
import { pruneCache } from './cache-prune.js';
import { DEFAULT_CAPABILITIES, processConfig, runtimeConfig } from './bundle.js';
import { seccompFor } from './seccomp.js';
import { diffTar } from './diff-tar.js';
import { LayerCache } from './layer-cache.js';
import { ociFreeze, ociKill, ociPids, ociRun, ociStats } from './oci-process.js';
import { dockerChanges } from './docker-changes.js';
import { chooseSnapshotter, openSnapshot, type Snapshot, type SnapshotterName } from './snapshotter.js';

export interface OciRuntimeOptions extends RuntimeFactoryOptions {
  /** `runc` (default) or `crun`, or a path; BERTH_OCI_RUNTIME when unset. */
  ociRuntime?: string;
  /** BERTH_RUNTIME_SNAPSHOTTER when unset; then overlay where the kernel allows, else copy. */
  snapshotter?: SnapshotterName;
}

const ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

export class OciRuntime implements ContainerRuntime {
  readonly name: string;
  readonly runtimeDir: string;
  readonly cache: LayerCache;
  private readonly binary: string;
  private fellBack = false;

  constructor(private readonly options: OciRuntimeOptions) {
    this.binary = options.ociRuntime ?? process.env['BERTH_OCI_RUNTIME'] ?? 'runc';
    this.name = this.binary.slice(this.binary.lastIndexOf('/') + 1);
    this.runtimeDir = join(options.root, 'berth', 'runtime');
    this.cache = new LayerCache(this.runtimeDir);
  }

  async rootfs(id: string, layers: readonly RuntimeLayer[], signal?: AbortSignal): Promise<OciRootfs> {
    if (!ID.test(id)) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid container id "${id}"`);
    const { chainIDs, dirs } = await this.cache.prepare(layers, signal);
    const top = chainIDs[chainIDs.length - 1];
    // After overlay failed to mount once (auto mode), this runtime goes straight to copies.
    const wanted = this.options.snapshotter ? { name: this.options.snapshotter, explicit: true } : this.fellBack ? { name: 'copy' as const, explicit: true } : await chooseSnapshotter();
    const containerDir = join(this.runtimeDir, 'containers', id);
    const snapshot = await openSnapshot(
      { runtimeDir: this.runtimeDir, containerDir, layerDirs: dirs, topChain: top ? top.replace(':', '-') : 'scratch' },
      wanted,
    );
    if (snapshot.fellBack) this.fellBack = true;
    return new OciRootfs(id, containerDir, snapshot, { binary: this.binary, stateDir: join(this.runtimeDir, this.name) });
  }

  pruneCache(keep: ReadonlySet<Digest>): Promise<RuntimeCachePruneResult> {
    return pruneCache(this.runtimeDir, keep);
  }
}

export class OciRootfs implements Rootfs {
  constructor(
    readonly id: string,
    private readonly dir: string,
    private readonly snapshot: Snapshot,
    private readonly oci: { binary: string; stateDir: string },
  ) {}

  get path(): string {
    return this.snapshot.path;
  }

  /** `overlay` or `copy`: how this container's files are kept. */
  get snapshotter(): SnapshotterName {
    return this.snapshot.kind;
  }

  diff(options: DiffOptions = {}): Readable {
    return diffTar(() => this.snapshot.changes(), options);
  }

  async size(): Promise<number> {
    const seen = new Set<number>();
    let total = 0;
    for (const c of await this.snapshot.changes()) {
      if (c.kind !== 'entry' || c.st.isDirectory() || seen.has(c.st.ino)) continue;
      seen.add(c.st.ino);
      total += c.st.size;
    }
    return total;
  }

  async run(spec: ProcessSpec, io: ProcessIO, signal?: AbortSignal): Promise<{ exitCode: number }> {
    if (spec.args.length === 0) throw new BerthError('ERR_INVALID_ARGUMENT', 'no command specified');
    if (!spec.cwd.startsWith('/')) throw new BerthError('ERR_INVALID_ARGUMENT', `the working directory '${spec.cwd}' is invalid, it needs to be an absolute path`);
    const user = await resolveUser(this.path, spec.user);
    // Docker makes a missing working directory (owned by root) in the container's layer.
    await resolveInRoot(this.path, spec.cwd, { create: true });
    for (const m of spec.mounts ?? []) {
      if (!m.destination.startsWith('/')) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid mount config: the mount destination "${m.destination}" is not an absolute path`);
      await stat(m.source).catch(() => {
        throw new BerthError('ERR_INVALID_ARGUMENT', `invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
      });
    }
    const hostname = spec.hostname ?? this.id.slice(0, 12);
    const etcFiles = await this.writeEtcFiles(hostname, spec.network);
    const bundle = join(this.dir, 'bundle');
    await mkdir(bundle, { recursive: true });
    const seccomp = await seccompFor(DEFAULT_CAPABILITIES);
    const config = runtimeConfig({
      ...(seccomp ? { seccomp } : {}),
      rootfs: this.path, args: spec.args, env: spec.env, cwd: spec.cwd, user, hostname, network: spec.network, etcFiles, mounts: spec.mounts ?? [], tty: spec.tty ?? false,
      ...(spec.readonlyRootfs ? { readonlyRootfs: true } : {}),
      ...(spec.limits ? { limits: spec.limits } : {}),
    });
    await writeFile(join(bundle, 'config.json'), JSON.stringify(config, null, 2));
    const exitCode = await ociRun({ binary: this.oci.binary, stateDir: this.oci.stateDir, bundle, id: this.id, io, tty: spec.tty ?? false, ...(signal ? { signal } : {}) });
    return { exitCode };
  }

  async exec(spec: ExecSpec, io: ProcessIO, signal?: AbortSignal): Promise<{ exitCode: number }> {
    if (spec.args.length === 0) throw new BerthError('ERR_INVALID_ARGUMENT', 'no command specified');
    if (!spec.cwd.startsWith('/')) throw new BerthError('ERR_INVALID_ARGUMENT', `the working directory '${spec.cwd}' is invalid, it needs to be an absolute path`);
    const user = await resolveUser(this.path, spec.user);
    // Each exec has its own directory for its process.json, runc's log and the pid file.
    const dir = join(this.dir, `exec-${randomBytes(8).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    try {
      const tty = spec.tty ?? false;
      await writeFile(join(dir, 'process.json'), JSON.stringify(processConfig({ args: spec.args, env: spec.env, cwd: spec.cwd, user, hostname: spec.hostname ?? this.id.slice(0, 12), tty })));
      const exitCode = await ociRun({ binary: this.oci.binary, stateDir: this.oci.stateDir, bundle: dir, id: this.id, io, tty, exec: { detach: spec.detach ?? false }, ...(signal ? { signal } : {}) });
      return { exitCode };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Sends a signal (`TERM`, `KILL`, `9`…) to the running process: `berth stop` and `kill`. */
  kill(signal = 'KILL'): Promise<void> {
    return ociKill(this.oci.binary, this.oci.stateDir, this.id, signal);
  }

  pause(): Promise<void> {
    return ociFreeze(this.oci.binary, this.oci.stateDir, this.id, true);
  }

  resume(): Promise<void> {
    return ociFreeze(this.oci.binary, this.oci.stateDir, this.id, false);
  }

  processes(): Promise<number[]> {
    return ociPids(this.oci.binary, this.oci.stateDir, this.id);
  }

  async fileChanges(): Promise<FileChange[]> {
    return dockerChanges(await this.snapshot.changes(), (rel) => this.snapshot.lowerStat(rel));
  }

  stats(): Promise<RuntimeStats> {
    return ociStats(this.oci.binary, this.oci.stateDir, this.id);
  }

  async remove(): Promise<void> {
    await this.snapshot.remove();
  }

  /** /etc/hosts, /etc/hostname and /etc/resolv.conf as Docker writes them, bind-mounted per container. */
  private async writeEtcFiles(hostname: string, network: 'none' | 'host'): Promise<{ hosts: string; hostname: string; resolvConf: string }> {
    const files = { hosts: join(this.dir, 'hosts'), hostname: join(this.dir, 'hostname'), resolvConf: join(this.dir, 'resolv.conf') };
    const hosts = network === 'host'
      ? await readFile('/etc/hosts', 'utf8').catch(() => '127.0.0.1\tlocalhost\n')
      : '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';
    await writeFile(files.hosts, hosts);
    await writeFile(files.hostname, `${hostname}\n`);
    await writeFile(files.resolvConf, await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
    return files;
  }
}

/** The runtime over a store root: what `ctx.provideRuntime` and direct users get. */
export async function openOciRuntime(options: OciRuntimeOptions): Promise<OciRuntime> {
  return new OciRuntime(options);
}
