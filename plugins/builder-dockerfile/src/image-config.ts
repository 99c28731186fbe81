// What the metadata instructions do to an image config (ENV, LABEL, CMD, ENTRYPOINT, WORKDIR,
// USER, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ONBUILD, MAINTAINER), as the classic
// builder's dispatchers do (moby builder/dockerfile/dispatchers.go). RUN/COPY/ADD need a runtime.
import type { ContainerConfig } from '@berth/core';
import { DockerfileError } from './parser/parse-error.js';
import type { Command, ShellDependantCmdLine } from './instructions/commands.js';

const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** The config being built, plus what the image keeps outside the config. */
export interface ConfigState {
  config: ContainerConfig;
  /** MAINTAINER: the image's author. */
  author?: string;
  /** Whether this stage set CMD (an ENTRYPOINT afterwards keeps it). */
  cmdSet: boolean;
}

export function newConfigState(base: ContainerConfig = {}, author?: string): ConfigState {
  return { config: structuredClone(base), ...(author !== undefined ? { author } : {}), cmdSet: false };
}

function resolveCmdLine(cmd: ShellDependantCmdLine, config: ContainerConfig): string[] {
  if (!cmd.prependShell) return cmd.cmdLine;
  const shell = config.Shell && config.Shell.length > 0 ? config.Shell : DEFAULT_SHELL;
  return [...shell, ...cmd.cmdLine];
}

/** normalizeWorkdir: a relative WORKDIR joins the previous one; an absolute one is kept as written. */
export function normalizeWorkdir(current: string, requested: string): string {
  if (requested.length === 0) throw new DockerfileError('cannot normalize nothing');
  if (requested.startsWith('/')) return requested;
  const parts: string[] = [];
  for (const p of `/${current}/${requested}`.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

/** nat.ParsePortSpecs for EXPOSE: `80`, `80/udp`, `8000-8002/tcp` to "port/proto" keys. */
export function exposedPortKeys(spec: string): string[] {
  const slash = spec.lastIndexOf('/');
  const portPart = slash < 0 ? spec : spec.slice(0, slash);
  const proto = slash < 0 ? 'tcp' : spec.slice(slash + 1).toLowerCase();
  const m = /^(\d+)(?:-(\d+))?$/.exec(portPart);
  if (!m) throw new DockerfileError(`invalid containerPort: ${portPart}`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535) throw new DockerfileError(`invalid containerPort: ${portPart}`);
  if (end < start) throw new DockerfileError(`invalid range specified for container: ${portPart}`);
  const keys: string[] = [];
  for (let p = start; p <= end; p++) keys.push(`${p}/${proto}`);
  return keys;
}

/**
 * Applies one expanded metadata instruction. RUN, COPY, ADD, ARG and FROM leave the config
 * unchanged here (they are the build engine's business).
 */
export function applyToConfig(state: ConfigState, cmd: Command): void {
  const c = state.config;
  switch (cmd.kind) {
    case 'env': {
      const env = [...(c.Env ?? [])];
      for (const { key, value } of cmd.env) {
        const i = env.findIndex((e) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e) === key);
        if (i >= 0) env[i] = `${key}=${value}`;
        else env.push(`${key}=${value}`);
      }
      c.Env = env;
      break;
    }
    case 'maintainer':
      state.author = cmd.maintainer;
      break;
    case 'label':
      c.Labels = { ...(c.Labels ?? {}) };
      for (const { key, value } of cmd.labels) c.Labels[key] = value;
      break;
    case 'workdir':
      c.WorkingDir = normalizeWorkdir(c.WorkingDir ?? '', cmd.path);
      break;
    case 'cmd':
      c.Cmd = resolveCmdLine(cmd, c);
      state.cmdSet = true;
      break;
    case 'entrypoint':
      c.Entrypoint = cmd.cmdLine.length === 0 && !cmd.prependShell ? null : resolveCmdLine(cmd, c);
      // An ENTRYPOINT resets an inherited CMD, not one set earlier in this stage.
      if (!state.cmdSet) c.Cmd = null;
      break;
    case 'healthcheck': {
      const h = cmd.health;
      c.Healthcheck = {
        Test: h.test,
        ...(h.interval ? { Interval: h.interval } : {}),
        ...(h.timeout ? { Timeout: h.timeout } : {}),
        ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}),
        ...(h.startInterval ? { StartInterval: h.startInterval } : {}),
        ...(h.retries ? { Retries: h.retries } : {}),
      };
      break;
    }
    case 'expose':
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of cmd.ports) for (const k of exposedPortKeys(p)) c.ExposedPorts[k] = {};
      break;
    case 'user':
      c.User = cmd.user;
      break;
    case 'volume':
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of cmd.volumes) {
        if (v === '') throw new DockerfileError('VOLUME specified can not be an empty string', cmd.location);
        c.Volumes[v] = {};
      }
      break;
    case 'stopsignal':
      c.StopSignal = cmd.signal;
      break;
    case 'shell':
      c.Shell = cmd.shell;
      break;
    case 'onbuild':
      c.OnBuild = [...(c.OnBuild ?? []), cmd.expression];
      break;
    default:
      break;
  }
}
