// The seccomp filter for containers: the host's containers-common profile (the one podman and
// buildah apply, in Docker's profile format; somewhat more permissive than Docker's own), turned
// into the OCI runtime-spec form for this machine's architecture and the process's capabilities
// (includes/excludes by arch, caps and kernel, as moby resolves them). BERTH_SECCOMP_PROFILE names
// another profile file (Docker's default.json works), or `unconfined` for none.
import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { BerthError } from '@berth/core';

export const DEFAULT_SECCOMP_PROFILE = '/usr/share/containers/seccomp.json';

interface Filter { arches?: string[]; caps?: string[]; minKernel?: string }
interface DockerRule { names?: string[]; name?: string; action: string; errnoRet?: number; args?: unknown[]; includes?: Filter; excludes?: Filter }
interface DockerProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: Array<{ architecture: string; subArchitectures: string[] | null }>;
  syscalls?: DockerRule[];
}

/** Go's GOARCH for Node's process.arch, as the profiles name architectures. */
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: 'x86', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64' };
const SCMP_ARCH: Record<string, string> = { amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM', x86: 'SCMP_ARCH_X86', s390x: 'SCMP_ARCH_S390X', ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64' };

/** The OCI `linux.seccomp` object, or undefined for no filter (unconfined, or no profile on this host). */
export async function seccompFor(capabilities: readonly string[], env = process.env['BERTH_SECCOMP_PROFILE']): Promise<object | undefined> {
  if (env === 'unconfined') return undefined;
  const path = env || DEFAULT_SECCOMP_PROFILE;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (!env && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BerthError('ERR_BERTH_CONFIG', `cannot read the seccomp profile ${path}: ${(err as Error).message}`);
  }
  let profile: DockerProfile;
  try {
    profile = JSON.parse(text) as DockerProfile;
  } catch (err) {
    throw new BerthError('ERR_BERTH_CONFIG', `the seccomp profile ${path} is not JSON: ${(err as Error).message}`);
  }
  return toOci(profile, GOARCH[process.arch] ?? process.arch, capabilities, kernelVersion());
}

export function toOci(profile: DockerProfile, arch: string, capabilities: readonly string[], kernel: [number, number]): object {
  const caps = new Set(capabilities);
  const native = SCMP_ARCH[arch];
  const entry = profile.archMap?.find((a) => a.architecture === native);
  const architectures = entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : native ? [native] : [];
  const applies = (r: DockerRule): boolean => {
    const inc = r.includes ?? {};
    const exc = r.excludes ?? {};
    if (inc.arches?.length && !inc.arches.includes(arch)) return false;
    if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
    if (inc.minKernel && compareKernel(kernel, inc.minKernel) < 0) return false;
    if (exc.arches?.includes(arch)) return false;
    if (exc.caps?.some((c) => caps.has(c))) return false;
    return true;
  };
  const syscalls = (profile.syscalls ?? []).filter(applies).map((r) => ({
    names: r.names ?? (r.name ? [r.name] : []),
    action: r.action,
    ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
    ...(r.args && r.args.length > 0 ? { args: r.args } : {}),
  }));
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    architectures,
    syscalls,
  };
}

function kernelVersion(): [number, number] {
  const [major = 0, minor = 0] = release().split(/[.-]/).map(Number);
  return [major, minor];
}

function compareKernel(have: [number, number], want: string): number {
  const [major = 0, minor = 0] = want.split('.').map(Number);
  return have[0] !== major ? have[0] - major : have[1] - minor;
}
