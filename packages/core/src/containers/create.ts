// A new container's record from an image config and `run`'s options, merged as moby's daemon
// merges them (daemon/commit.go merge, daemon/create.go): user Env first then the image's keys
// not overridden, the image's Cmd/Entrypoint unless given, WorkingDir/User/StopSignal/Labels
// from the image when unset; Path/Args are Entrypoint + Cmd.
import { randomBytes } from 'node:crypto';
import { BerthError } from '../errors.js';
import type { ContainerConfig, ImageConfig } from '../config.js';
import type { Digest } from '../digest.js';
import { GO_ZERO_TIME, type ContainerHostConfig, type ContainerRecord, type RestartPolicy } from '../contracts/containers.js';
import { formatRFC3339Nano } from './time.js';

export interface RunOptions {
  /** The image as the user named it (`busybox`, `bb:1`, an ID prefix): `Config.Image`. */
  imageName: string;
  imageId: Digest;
  /** What follows the image on the command line; empty keeps the image's Cmd. */
  cmd: string[];
  /**
   * `--entrypoint`: replaces the image's entrypoint; "" (or `[""]`, as the Engine API sends it)
   * clears it. An array is the Engine API's form.
   */
  entrypoint?: string | readonly string[];
  /** `--restart` (see parseRestartPolicy). */
  restart?: RestartPolicy;
  /** `--read-only`, `-m` (bytes) and `--cpus` (billionths of a CPU). */
  readonlyRootfs?: boolean;
  memory?: number;
  nanoCpus?: number;
  /** `-h/--hostname`: the container's host name (default: the short ID). */
  hostname?: string;
  /** `--label`: added to the image's labels. */
  labels?: Readonly<Record<string, string>>;
  env?: string[];
  workdir?: string;
  user?: string;
  tty?: boolean;
  interactive?: boolean;
  detach?: boolean;
  binds?: string[];
  network?: 'host' | 'none';
  autoRemove?: boolean;
  /** With a leading slash, checked (checkContainerName). */
  name: string;
  now?: Date;
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/** The record (without LogPath) of a container not started yet. */
export function newContainerRecord(image: ImageConfig, opts: RunOptions): Omit<ContainerRecord, 'LogPath'> {
  const id = newContainerId();
  const config = mergeRunConfig(image.config ?? {}, opts, id);
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv.length === 0) throw new BerthError('ERR_INVALID_ARGUMENT', 'No command specified');
  const hostConfig: ContainerHostConfig = {
    Binds: opts.binds ?? [],
    NetworkMode: opts.network ?? 'host',
    AutoRemove: opts.autoRemove ?? false,
    RestartPolicy: opts.restart ?? { Name: 'no', MaximumRetryCount: 0 },
    ReadonlyRootfs: opts.readonlyRootfs ?? false,
    Memory: opts.memory ?? 0,
    NanoCpus: opts.nanoCpus ?? 0,
  };
  return {
    Id: id,
    Created: formatRFC3339Nano(opts.now ?? new Date()),
    Name: opts.name,
    Path: argv[0]!,
    Args: argv.slice(1),
    Image: opts.imageId,
    Config: config,
    HostConfig: hostConfig,
    State: { Status: 'created', Running: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: GO_ZERO_TIME, FinishedAt: GO_ZERO_TIME },
  };
}

function envKey(e: string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
}

function mergeRunConfig(img: ContainerConfig, opts: RunOptions, id: string): ContainerConfig {
  const userEnv = opts.env ?? [];
  const env = [...userEnv, ...(img.Env ?? []).filter((e) => !userEnv.some((u) => envKey(u) === envKey(e)))];
  let entrypoint: string[] | null;
  let cmd: string[] | null = opts.cmd.length > 0 ? [...opts.cmd] : null;
  if (opts.entrypoint !== undefined) {
    // `--entrypoint ""` clears the image's entrypoint and, as in moby, does not bring its Cmd back.
    const given = typeof opts.entrypoint === 'string' ? [opts.entrypoint] : [...opts.entrypoint];
    entrypoint = given.length === 0 || (given.length === 1 && given[0] === '') ? null : given;
  } else {
    entrypoint = img.Entrypoint ?? null;
    if (!cmd) cmd = img.Cmd ?? null;
  }
  const interactive = opts.interactive ?? false;
  const attached = !(opts.detach ?? false);
  return {
    Hostname: opts.hostname || id.slice(0, 12),
    Domainname: '',
    User: opts.user ?? img.User ?? '',
    AttachStdin: interactive && attached,
    AttachStdout: attached,
    AttachStderr: attached,
    ...(img.ExposedPorts ? { ExposedPorts: img.ExposedPorts } : {}),
    Tty: opts.tty ?? false,
    OpenStdin: interactive,
    StdinOnce: interactive && attached,
    Env: env.length > 0 ? env : null,
    Cmd: cmd,
    ...(img.Healthcheck ? { Healthcheck: img.Healthcheck } : {}),
    Image: opts.imageName,
    Volumes: img.Volumes ?? null,
    WorkingDir: opts.workdir ?? img.WorkingDir ?? '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: { ...(img.Labels ?? {}), ...(opts.labels ?? {}) },
    ...(img.StopSignal ? { StopSignal: img.StopSignal } : {}),
    ...(img.Shell ? { Shell: img.Shell } : {}),
  };
}

/**
 * `-e NAME=value` as given; `-e NAME` takes NAME from berth's own environment and is dropped
 * when unset, as docker's CLI does.
 */
export function resolveEnvFlags(flags: readonly string[], environ: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const f of flags) {
    if (f.includes('=')) {
      if (f.startsWith('=')) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid environment variable: ${f}`);
      out.push(f);
    } else if (environ[f] !== undefined) out.push(`${f}=${environ[f]}`);
  }
  return out;
}

/**
 * `--env-file` as docker's CLI reads one (opts.ParseEnvFile): a `NAME=value` a line, leading blanks
 * and `#` comment lines skipped, the value passed through as it is; a bare `NAME` is taken from
 * berth's environment, dropped when unset; a name with a blank in it is refused.
 */
export function parseEnvFile(text: string, path: string, environ: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = (eq === -1 ? line : line.slice(0, eq)).replace(/^[ \t\n\v\f\r]+/, '');
    if (/[ \t\n\v\f\r]/.test(name)) throw new BerthError('ERR_INVALID_ARGUMENT', `variable '${name}' contains whitespaces`);
    if (name === '') throw new BerthError('ERR_INVALID_ARGUMENT', `no variable name on line '${line}' in ${path}`);
    if (eq !== -1) out.push(`${name}=${line.slice(eq + 1)}`);
    else if (environ[name] !== undefined) out.push(`${name}=${environ[name]}`);
  }
  return out;
}

/**
 * `--restart no|always|unless-stopped|on-failure[:N]`, read as docker's CLI (opts.ParseRestartPolicy)
 * and checked as dockerd does (a retry count only with on-failure, never negative).
 */
export function parseRestartPolicy(flag: string): RestartPolicy {
  const colon = flag.indexOf(':');
  const name = colon === -1 ? flag : flag.slice(0, colon);
  const count = colon === -1 ? '' : flag.slice(colon + 1);
  if (colon === 0) throw new BerthError('ERR_INVALID_ARGUMENT', 'invalid restart policy format: no policy provided before colon');
  if (count !== '' && !/^[+-]?\d+$/.test(count)) throw new BerthError('ERR_INVALID_ARGUMENT', 'invalid restart policy format: maximum retry count must be an integer');
  const max = count === '' ? 0 : Number(count);
  const known = ['', 'no', 'always', 'unless-stopped', 'on-failure'];
  if (!known.includes(name)) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid restart policy '${name}'`);
  if (max !== 0 && name !== 'on-failure') throw new BerthError('ERR_INVALID_ARGUMENT', `maximum retry count cannot be used with restart policy '${name}'`);
  if (max < 0) throw new BerthError('ERR_INVALID_ARGUMENT', 'maximum retry count cannot be negative');
  return { Name: (name === '' ? 'no' : name) as RestartPolicy['Name'], MaximumRetryCount: max };
}

/** `-l key=value` labels; a bare `key` is an empty label, as docker's. */
export function parseLabelFlags(flags: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq === 0) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid label '${f}': empty name`);
    if (eq === -1) labels[f] = '';
    else labels[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return labels;
}

/** `-v SRC:DST[:ro|rw]` bind mounts; SRC must be absolute (berth has no named volumes). */
export function parseBind(spec: string): { source: string; destination: string; readonly: boolean } {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid volume specification: '${spec}'`);
  const [source, destination, mode] = parts as [string, string, string | undefined];
  if (!source.startsWith('/')) throw new BerthError('ERR_UNSUPPORTED', `invalid volume specification: '${spec}': named volumes are not supported, give an absolute host path`);
  if (!destination.startsWith('/')) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid volume specification: '${spec}': invalid mount config for type "bind": invalid mount path: '${destination}' mount path must be absolute`);
  const modes = (mode ?? '').split(',').filter((m) => m !== '');
  for (const m of modes) if (!['ro', 'rw', 'z', 'Z', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'].includes(m)) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid mode: ${m}`);
  return { source, destination, readonly: modes.includes('ro') };
}
