// Platforms (os/arch/variant): parsing `linux/arm64/v8`, the host's platform, and matching.
import { BerthError } from './errors.js';

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

const NODE_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips64el: 'mips64le', loong64: 'loong64' };

export function hostPlatform(): Platform {
  const architecture = NODE_ARCH[process.arch] ?? process.arch;
  const p: Platform = { os: process.platform === 'win32' ? 'windows' : process.platform, architecture };
  if (architecture === 'arm64') p.variant = 'v8';
  return p;
}

/** Parses `os[/arch[/variant]]` as Docker's --platform does. */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => p === '') ) {
    throw new BerthError('ERR_INVALID_ARGUMENT', `invalid platform "${s}": expected os[/arch[/variant]]`);
  }
  const [os, arch, variant] = parts as [string, string | undefined, string | undefined];
  const p: Platform = { os, architecture: normalizeArch(arch ?? hostPlatform().architecture) };
  if (variant) p.variant = variant;
  else if (p.architecture === 'arm64' && !arch) p.variant = 'v8';
  return p;
}

function normalizeArch(a: string): string {
  switch (a) {
    case 'x86_64': case 'x86-64': return 'amd64';
    case 'aarch64': return 'arm64';
    case 'i386': return '386';
    default: return a;
  }
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** True when an image built for `have` runs where `want` is asked for (arm64 variant v8 is the default). */
export function platformMatches(want: Platform, have: Platform): boolean {
  if (want.os !== have.os || normalizeArch(want.architecture) !== normalizeArch(have.architecture)) return false;
  if (!want.variant) return true;
  const v = have.variant ?? (have.architecture === 'arm64' ? 'v8' : undefined);
  return v === want.variant;
}
