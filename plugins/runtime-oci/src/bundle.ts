// The OCI runtime config (runtime-spec config.json) for one process: namespaces, mounts and
// capabilities as runc's `spec` and Docker's defaults give them.
import type { BindMount, ExecUser } from '@berth/core';

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BundleSpec {
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  user: ExecUser;
  hostname: string;
  network: 'none' | 'host';
  /** /etc/hosts, /etc/hostname, /etc/resolv.conf of this container, on the host. */
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  mounts: readonly BindMount[];
  tty: boolean;
  readonlyRootfs?: boolean;
  /** cgroup limits: memory bytes, billionths of a CPU; 0 or missing for none. */
  limits?: { memory?: number; nanoCpus?: number };
  /** linux.seccomp (see seccomp.ts); none when undefined. */
  seccomp?: object;
}

interface Mount { destination: string; type: string; source: string; options: string[] }

/** Docker's environment rules: PATH when the image sets none, HOSTNAME and HOME filled in. */
export function processEnv(env: readonly string[], hostname: string, home: string): string[] {
  const has = (k: string): boolean => env.some((e) => e === k || e.startsWith(`${k}=`));
  const out: string[] = [];
  if (!has('PATH')) out.push(`PATH=${DEFAULT_PATH}`);
  if (!has('HOSTNAME')) out.push(`HOSTNAME=${hostname}`);
  out.push(...env);
  if (!has('HOME')) out.push(`HOME=${home}`);
  return out;
}

/** The `process` of a runtime config: also what `runc exec --process` reads. */
export function processConfig(p: { args: string[]; env: readonly string[]; cwd: string; user: ExecUser; hostname: string; tty: boolean }): object {
  return {
    terminal: p.tty,
    user: { uid: p.user.uid, gid: p.user.gid, ...(p.user.additionalGids.length > 0 ? { additionalGids: p.user.additionalGids } : {}) },
    args: p.args,
    env: processEnv(p.tty && !p.env.some((e) => e.startsWith('TERM=')) ? [...p.env, 'TERM=xterm'] : p.env, p.hostname, p.user.home),
    cwd: p.cwd,
    capabilities: { bounding: DEFAULT_CAPABILITIES, effective: DEFAULT_CAPABILITIES, permitted: DEFAULT_CAPABILITIES },
    noNewPrivileges: false,
  };
}

export function runtimeConfig(b: BundleSpec): object {
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (b.network === 'none') namespaces.push({ type: 'network' });
  // As moby: with --read-only the container cannot change its /etc files either.
  const etcOptions = ['rbind', 'rprivate', ...(b.readonlyRootfs ? ['ro'] : [])];
  const mounts: Mount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    { destination: '/etc/resolv.conf', type: 'bind', source: b.etcFiles.resolvConf, options: etcOptions },
    { destination: '/etc/hostname', type: 'bind', source: b.etcFiles.hostname, options: etcOptions },
    { destination: '/etc/hosts', type: 'bind', source: b.etcFiles.hosts, options: etcOptions },
  ];
  // Shallow destinations first, so a mount inside another bind mount lands on top of it (as Docker sorts them).
  const binds = [...b.mounts].sort((x, y) => depth(x.destination) - depth(y.destination));
  for (const m of binds) {
    mounts.push({ destination: m.destination, type: 'bind', source: m.source, options: ['rbind', 'rprivate', ...(m.readonly ? ['ro'] : [])] });
  }
  return {
    ociVersion: '1.0.2',
    process: processConfig({ args: b.args, env: b.env, cwd: b.cwd, user: b.user, hostname: b.hostname, tty: b.tty }),
    root: { path: b.rootfs, readonly: b.readonlyRootfs ?? false },
    hostname: b.hostname,
    mounts,
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }], ...cgroupLimits(b.limits) },
      namespaces,
      maskedPaths: [
        '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
      ...(b.seccomp ? { seccomp: b.seccomp } : {}),
    },
  };
}

/** moby's resources: `-m` as the memory limit, `--cpus` as a CFS quota over a 100 ms period. */
function cgroupLimits(limits: BundleSpec['limits']): object {
  const memory = limits?.memory ?? 0;
  const nanoCpus = limits?.nanoCpus ?? 0;
  const period = 100_000;
  return {
    ...(memory > 0 ? { memory: { limit: memory } } : {}),
    ...(nanoCpus > 0 ? { cpu: { quota: Math.round((nanoCpus * period) / 1e9), period } } : {}),
  };
}

function depth(p: string): number {
  return p.split('/').filter((x) => x !== '').length;
}
