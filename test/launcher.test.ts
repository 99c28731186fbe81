// The `berth` command as npm installs it: a sh launcher (apps/cli/bin/berth) that sets glibc's
// huge-page tunable and then becomes node running run.js.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '@berth/testkit';
import { BERTH_BIN, newStore, type Store } from './support/berth.js';

const LAUNCHER = fileURLToPath(new URL('../apps/cli/bin/berth', import.meta.url));

let work: string;
let linked: string;
let store: Store;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'launcher-'));
  // As npm links a bin: node_modules/.bin/berth → ../@berth/cli/bin/berth.
  linked = join(work, 'berth');
  await symlink(LAUNCHER, linked);
  store = await newStore();
});

afterAll(async () => {
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

/**
 * GLIBC_TUNABLES as berth itself sees it: berth's environment reaches the credential helpers it
 * starts, so a helper that writes its own down shows it. (/proc/PID/environ cannot tell: glibc
 * rewrites that memory as it parses several tunables.)
 */
async function tunablesSeenByBerth(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dir = await mkdtemp(join(work, 'helper-'));
  const seen = join(dir, 'seen');
  await writeFile(join(dir, 'docker-credential-envdump'), `#!/bin/sh\nprintf '%s' "\${GLIBC_TUNABLES-unset}" > ${seen}\n`, { mode: 0o755 });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: 'envdump' }));
  const r = await run(cmd, [...args, 'logout', '127.0.0.1:9'], { env: { ...env, DOCKER_CONFIG: dir, PATH: `${dir}:${env.PATH ?? ''}`, BERTH_ROOT: store.root } });
  expect(r.code, r.stderr).toBe(0);
  const value = await readFile(seen, 'utf8');
  return value === 'unset' ? undefined : value;
}

describe('the berth launcher', () => {
  it('runs through an npm-style symlink with the same output and exit codes as run.js', async () => {
    const env = { ...process.env, BERTH_ROOT: store.root };
    const viaLauncher = await run(linked, ['--version'], { env });
    const viaNode = await run(process.execPath, [BERTH_BIN, '--version'], { env });
    expect(viaLauncher.code).toBe(0);
    expect(viaLauncher.stdout).toBe(viaNode.stdout);
    const missing = await run(linked, ['image', 'inspect', 'nosuch:1'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No such image: nosuch:1/);
  });

  it('runs by its own path and by name from PATH, where no link needs resolving', async () => {
    const env = { ...process.env, BERTH_ROOT: store.root };
    const viaNode = await run(process.execPath, [BERTH_BIN, '--version'], { env });
    expect((await run(LAUNCHER, ['--version'], { env })).stdout).toBe(viaNode.stdout);
    const onPath = await run('berth', ['--version'], { env: { ...env, PATH: `${dirname(LAUNCHER)}:${env.PATH ?? ''}` } });
    expect(onPath.code, onPath.stderr).toBe(0);
    expect(onPath.stdout).toBe(viaNode.stdout);
    // From its own directory, by a relative path.
    const relative = await run('./berth', ['--version'], { env, cwd: dirname(LAUNCHER) });
    expect(relative.stdout).toBe(viaNode.stdout);
  });

  it('passes stdin through to berth', async () => {
    const r = await run(linked, ['load', '-q'], { env: { ...process.env, BERTH_ROOT: store.root }, input: 'not a tar archive at all' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/archive|tar/i);
  });

  it('asks glibc for huge pages; run.js alone does not', async () => {
    const env = { ...process.env };
    delete env.GLIBC_TUNABLES;
    expect(await tunablesSeenByBerth(linked, [], env)).toBe('glibc.malloc.hugetlb=1');
    expect(await tunablesSeenByBerth(process.execPath, [BERTH_BIN], env)).toBeUndefined();
  });

  it("adds to the user's tunables and leaves a hugetlb choice of theirs alone", async () => {
    expect(await tunablesSeenByBerth(linked, [], { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    expect(await tunablesSeenByBerth(linked, [], { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' })).toBe('glibc.malloc.hugetlb=0');
  });

  it('becomes node (same pid) rather than staying a shell around it', async () => {
    const child = spawn(linked, ['login', '-u', 'someone', '--password-stdin', '127.0.0.1:9'], { env: { ...process.env, BERTH_ROOT: store.root }, stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      let cmdline: string[] = [];
      for (let i = 0; i < 200 && !cmdline.some((a) => a.endsWith('/run.js')); i++) {
        await new Promise((r) => setTimeout(r, 25));
        cmdline = (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).split('\0');
      }
      expect(cmdline[0]).toMatch(/(^|\/)node$/);
      expect(cmdline.slice(1, 3)).toEqual(['--initial-old-space-size=48', BERTH_BIN]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
