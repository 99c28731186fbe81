// /_ping, /version and /info: what the docker CLI asks first (negotiation, `docker version`,
// `docker info`). berthd has no containers yet, so those counts are 0.
import { readFile } from 'node:fs/promises';
import { availableParallelism, hostname, machine, release, totalmem } from 'node:os';
import type { FastifyReply } from 'fastify';
import { hostPlatform, type ContainerService, type ImageService } from '@berth/core';
import { API_VERSION, MIN_API_VERSION } from './api-version.js';

export const BERTHD_VERSION = '0.1.0';

/** Headers dockerd puts on the ping: the newest API version, experimental off, the OS, the builder. */
export function ping(reply: FastifyReply, head: boolean): FastifyReply {
  reply
    .header('api-version', API_VERSION)
    .header('builder-version', '1') // the classic builder's; berth build is classic-shaped, no BuildKit session
    .header('docker-experimental', 'false')
    .header('ostype', 'linux')
    .header('swarm', 'inactive')
    .header('cache-control', 'no-cache, no-store, must-revalidate')
    .header('pragma', 'no-cache')
    .header('content-type', 'text/plain; charset=utf-8');
  if (head) return reply.header('content-length', '0').code(200).send();
  return reply.code(200).send('OK');
}

export function version(): Record<string, unknown> {
  const arch = hostPlatform().architecture;
  const details = { ApiVersion: API_VERSION, Arch: arch, BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: '', KernelVersion: release(), MinAPIVersion: MIN_API_VERSION, Os: 'linux', NodeVersion: process.version };
  return {
    Platform: { Name: 'berthd' },
    Components: [{ Name: 'Engine', Version: BERTHD_VERSION, Details: details }],
    Version: BERTHD_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: '',
    GoVersion: '',
    Os: 'linux',
    Arch: arch,
    KernelVersion: release(),
    BuildTime: '',
  };
}

async function operatingSystem(): Promise<string> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
  return m?.[1] ?? 'Linux';
}

export async function info(images: ImageService, root: string, insecure: readonly string[], containers?: ContainerService): Promise<Record<string, unknown>> {
  const snapshot = await images.snapshot();
  const all = (await containers?.list()) ?? [];
  const running = all.filter((c) => c.State.Running).length;
  return {
    ID: '',
    Containers: all.length,
    ContainersRunning: running,
    ContainersPaused: 0,
    ContainersStopped: all.length - running,
    Images: snapshot.images.size,
    Driver: 'berth',
    DriverStatus: [['Store', 'OCI image layout'], ['Root', root]],
    Plugins: { Volume: [], Network: [], Authorization: null, Log: [] },
    MemoryLimit: false,
    SwapLimit: false,
    CpuCfsPeriod: false,
    CpuCfsQuota: false,
    CPUShares: false,
    CPUSet: false,
    PidsLimit: false,
    IPv4Forwarding: false,
    Debug: false,
    NFd: 0,
    OomKillDisable: false,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: '',
    CgroupDriver: '',
    CgroupVersion: '',
    NEventsListener: 0,
    KernelVersion: release(),
    OperatingSystem: await operatingSystem(),
    OSVersion: '',
    OSType: 'linux',
    Architecture: machine(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'],
      IndexConfigs: Object.fromEntries(insecure.map((h) => [h, { Name: h, Mirrors: [], Secure: false, Official: false }])),
      Mirrors: [],
    },
    NCPU: availableParallelism(),
    MemTotal: totalmem(),
    GenericResources: null,
    DockerRootDir: root,
    HttpProxy: process.env.HTTP_PROXY ?? '',
    HttpsProxy: process.env.HTTPS_PROXY ?? '',
    NoProxy: process.env.NO_PROXY ?? '',
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: BERTHD_VERSION,
    Runtimes: {},
    DefaultRuntime: '',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: '' },
    InitCommit: { ID: '' },
    SecurityOptions: [],
    Warnings: null,
  };
}
