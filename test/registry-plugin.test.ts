// A third-party plugin loaded from berth's config file (BERTH_CONFIG): the example dir registry
// (examples/registry-plugin) serves dir.local ahead of the built-in distribution adapter for
// login, push and pull; skopeo reads what it wrote. Then each refusal at start is one clear line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxRootfs, rootfsTar, run, skopeo } from '@berth/testkit';
import { hashPassword } from 'berth-plugin-dir-registry';
import { newStore, type Store } from './support/berth.js';

const EXAMPLE = fileURLToPath(new URL('../examples/registry-plugin', import.meta.url));

let work: string;
let store: Store;
let cfgDir: string;
let registryRoot: string;
let dockerConfig: string;
const env = (): NodeJS.ProcessEnv => ({ BERTH_CONFIG: join(cfgDir, 'config.json'), DOCKER_CONFIG: dockerConfig });
const berth = (args: string[], input?: string): ReturnType<Store['berth']> => store.berth(args, { env: env(), ...(input !== undefined ? { input } : {}) });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plugin-e2e-'));
  store = await newStore();
  dockerConfig = join(work, 'docker');
  await mkdir(dockerConfig);
  // The config directory as `npm install --prefix DIR berth-plugin-dir-registry` leaves it.
  cfgDir = join(work, 'berth');
  await mkdir(join(cfgDir, 'node_modules'), { recursive: true });
  await symlink(EXAMPLE, join(cfgDir, 'node_modules', 'berth-plugin-dir-registry'));
  registryRoot = join(cfgDir, 'registry');
  await writeFile(join(cfgDir, 'config.json'), JSON.stringify({
    plugins: ['berth-plugin-dir-registry'],
    dirRegistry: { root: './registry', users: { tester: hashPassword('secret-pw') } },
  }));
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'rootfs.tar'));
  const r = await berth(['import', tar, 'plugin-e2e:1']);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(async () => {
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('a registry plugin from the config file', () => {
  const id = async (ref: string): Promise<string> => (await berth(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();

  it('refuses to push before login, naming berth login', async () => {
    expect((await berth(['tag', 'plugin-e2e:1', 'dir.local/team/app:1'])).code).toBe(0);
    const r = await berth(['push', 'dir.local/team/app:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: unauthorized: authentication required for dir.local; try 'berth login dir.local'\n");
  });

  it('berth login goes through the plugin: a wrong password is refused, a right one stored', async () => {
    const bad = await berth(['login', '-u', 'tester', '--password-stdin', 'dir.local'], 'wrong\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('Error: login to dir.local failed: unauthorized: incorrect username or password\n');
    const good = await berth(['login', '-u', 'tester', '--password-stdin', 'dir.local'], 'secret-pw\n');
    expect(good.stdout).toBe('Login Succeeded\n');
    expect(JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8')).auths).toHaveProperty(['dir.local']);
  });

  it('berth push writes an OCI layout under the configured root that skopeo reads as the same image', async () => {
    const r = await berth(['push', 'dir.local/team/app:1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^The push refers to repository \[dir\.local\/team\/app\]\n/);
    const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(r.stdout)?.[1];
    expect(digest).toBeDefined();
    const inspected = await skopeo(['inspect', '--raw', `oci:${join(registryRoot, 'team', 'app')}:1`]);
    expect(inspected.code).toBe(0);
    const config = await skopeo(['inspect', '--config', '--raw', `oci:${join(registryRoot, 'team', 'app')}:1`]);
    expect(`sha256:${(await import('node:crypto')).createHash('sha256').update(config.stdout).digest('hex')}`).toBe(await id('plugin-e2e:1'));
  });

  it('berth pull brings the image back through the plugin with the same ID, and -a lists its tags', async () => {
    const before = await id('plugin-e2e:1');
    expect((await berth(['tag', 'plugin-e2e:1', 'dir.local/team/app:2'])).code).toBe(0);
    expect((await berth(['push', '-q', 'dir.local/team/app:2'])).code).toBe(0);
    expect((await berth(['rmi', 'plugin-e2e:1', 'dir.local/team/app:1', 'dir.local/team/app:2'])).code).toBe(0);
    const r = await berth(['pull', 'dir.local/team/app:1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Status: Downloaded newer image for dir.local/team/app:1\n');
    expect(r.stdout.endsWith('dir.local/team/app:1\n')).toBe(true);
    expect(await id('dir.local/team/app:1')).toBe(before);
    const all = await berth(['pull', '-a', '-q', 'dir.local/team/app']);
    expect(all.stdout.split('\n').filter(Boolean).sort()).toEqual(['dir.local/team/app:1', 'dir.local/team/app:2']);
  });

  it('a package installed globally (npm install -g) is found under npm\'s prefix', async () => {
    const prefix = join(work, 'global-prefix');
    await mkdir(join(prefix, 'lib', 'node_modules'), { recursive: true });
    await symlink(EXAMPLE, join(prefix, 'lib', 'node_modules', 'berth-plugin-dir-registry'));
    const lonely = join(work, 'lonely');
    await mkdir(lonely);
    await writeFile(join(lonely, 'config.json'), JSON.stringify({ plugins: ['berth-plugin-dir-registry'], dirRegistry: { root: registryRoot } }));
    const r = await store.berth(['pull', '-a', '-q', 'dir.local/team/app'], { env: { BERTH_CONFIG: join(lonely, 'config.json'), npm_config_prefix: prefix, DOCKER_CONFIG: dockerConfig } });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['dir.local/team/app:1', 'dir.local/team/app:2']);
  });

  it('an unknown tag is docker\'s manifest-unknown line', async () => {
    const r = await berth(['pull', 'dir.local/team/app:nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: manifest for dir.local/team/app:nope not found: manifest unknown\n');
  });
});

describe('plugins that cannot load refuse with one line: at start, or at first use for a plugin its package.json declares', () => {
  // A plugin package in a directory of its own; `source` is its index.js.
  const pluginDir = async (name: string, source: string): Promise<string> => {
    const dir = join(work, 'bad', name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', main: 'index.js' }));
    await writeFile(join(dir, 'index.js'), source);
    return dir;
  };
  const withConfig = async (config: unknown, args = ['images']): Promise<{ code: number; stderr: string }> => {
    const path = join(work, `config-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, JSON.stringify(config));
    return store.berth(args, { env: { BERTH_CONFIG: path, DOCKER_CONFIG: dockerConfig } });
  };

  it('a plugin named like a built-in one', async () => {
    const dir = await pluginDir('clash-name', "export default { name: '@berth/registry-distribution', apiVersion: 1, provides: ['registry:mine'], register() {} };\n");
    expect(await withConfig({ plugins: [dir] })).toMatchObject({ code: 1, stderr: `Error: plugin @berth/registry-distribution clashes with berth's built-in plugin of that name (config entry ${dir})\n` });
  });

  it('a plugin providing what a built-in one provides', async () => {
    const dir = await pluginDir('clash-store', "export default { name: 'my-store', apiVersion: 1, provides: ['store:fs'], register() {} };\n");
    expect(await withConfig({ plugins: [dir] })).toMatchObject({ code: 1, stderr: `Error: plugins @berth/store-fs and my-store both provide store:fs (config entry ${dir})\n` });
  });

  it('two plugins claiming the same provide', async () => {
    expect(await withConfig({ plugins: [EXAMPLE, EXAMPLE], dirRegistry: { root: work } })).toMatchObject({ code: 1, stderr: `Error: plugin berth-plugin-dir-registry is loaded twice (config entry ${EXAMPLE})\n` });
  });

  it('a plugin written for another plugin API', async () => {
    const dir = await pluginDir('future', "export default { name: 'future', apiVersion: 2, provides: [], register() {} };\n");
    expect(await withConfig({ plugins: [dir] })).toMatchObject({ code: 1, stderr: `Error: plugin future was written for plugin API 2, berth speaks 1 (config entry ${dir})\n` });
  });

  it('a package that is not installed', async () => {
    const r = await withConfig({ plugins: ['berth-plugin-not-installed'] });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: plugin berth-plugin-not-installed not found in \S+\/node_modules \(or a parent's\) nor in \S+: install it with 'npm install --prefix \S+ berth-plugin-not-installed'\n$/);
  });

  it('a module that is not a plugin', async () => {
    const dir = await pluginDir('not-a-plugin', 'export default { hello: "world" };\n');
    expect(await withConfig({ plugins: [dir] })).toMatchObject({ code: 1, stderr: `Error: plugin ${dir} is not a berth plugin: its default export needs a name, an apiVersion, a provides list and a register function\n` });
  });

  it('the example without its settings key says which key it needs, once a command needs a registry', async () => {
    const r = await withConfig({ plugins: [EXAMPLE] }, ['pull', 'dir.local/team/app:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: config file \S+: the dir registry plugin needs a "dirRegistry" key with a "root" directory\n$/);
  });

  it('a plugin declared in its package.json is not imported by commands that need no registry', async () => {
    const dir = await pluginDir('declared-broken', 'throw new Error("imported");\n');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'declared-broken', type: 'module', main: 'index.js', berthPlugin: { name: 'declared-broken', apiVersion: 1, provides: ['registry:broken'] } }));
    expect(await withConfig({ plugins: [dir] })).toMatchObject({ code: 0, stderr: '' });
    const r = await withConfig({ plugins: [dir] }, ['pull', 'x.example/a:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: plugin ${dir} failed to load from ${join(dir, 'index.js')}: imported\n`);
  });

  it('a package.json declaring another plugin API is refused at start', async () => {
    const dir = await pluginDir('declared-future', 'export default {};\n');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'declared-future', type: 'module', main: 'index.js', berthPlugin: { name: 'declared-future', apiVersion: 2, provides: [] } }));
    expect(await withConfig({ plugins: [dir] })).toMatchObject({ code: 1, stderr: `Error: plugin declared-future was written for plugin API 2, berth speaks 1 (config entry ${dir})\n` });
  });

  it('berthd refuses to start on the same config, with the same line', async () => {
    const path = join(work, 'berthd-config.json');
    await writeFile(path, JSON.stringify({ plugins: ['berth-plugin-not-installed'] }));
    const berthd = fileURLToPath(new URL('../apps/server/bin/berthd.js', import.meta.url));
    const r = await run(process.execPath, [berthd, '--root', join(work, 'berthd-root'), '--listen', '127.0.0.1:0'], { env: { ...process.env, BERTH_CONFIG: path }, timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^berthd: plugin berth-plugin-not-installed not found in \S+ \(or a parent's\) nor in \S+: install it with 'npm install --prefix \S+ berth-plugin-not-installed'\n$/);
  });

  it('a BERTH_CONFIG that does not exist', async () => {
    const r = await store.berth(['images'], { env: { BERTH_CONFIG: join(work, 'missing.json') } });
    expect(r).toMatchObject({ code: 1, stderr: `Error: config file ${join(work, 'missing.json')} (BERTH_CONFIG) does not exist\n` });
  });
});
