import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerConfig, authKey, dockerConfigPath } from './docker-config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docker-config-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `body` with docker-credential-`name` (a sh script) first on PATH and config.json naming it as credsStore. */
async function withHelper(name: string, script: string, body: (cfg: DockerConfig, configPath: string) => Promise<void>): Promise<void> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, `docker-credential-${name}`), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  const path = join(dir, 'config.json');
  await writeFile(path, JSON.stringify({ credsStore: name }));
  const oldPath = process.env.PATH;
  process.env.PATH = `${bin}:${oldPath}`;
  try {
    await body(new DockerConfig(path), path);
  } finally {
    process.env.PATH = oldPath;
  }
}

describe('DockerConfig', () => {
  it('honours DOCKER_CONFIG and files Docker Hub under its legacy key', () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: '/x/y' })).toBe('/x/y/config.json');
    expect(authKey('docker.io')).toBe('https://index.docker.io/v1/');
    expect(authKey('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });

  it('stores base64 user:password in auths, mode 0600, keeping other settings', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ psFormat: 'table {{.ID}}' }));
    const cfg = new DockerConfig(path);
    await cfg.store('reg.example:5000', { username: 'me', password: 'p:w' });
    const json = JSON.parse(await readFile(path, 'utf8')) as { psFormat: string; auths: Record<string, { auth: string }> };
    expect(json.psFormat).toBe('table {{.ID}}');
    expect(json.auths['reg.example:5000']!.auth).toBe(Buffer.from('me:p:w').toString('base64'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await cfg.get('reg.example:5000')).toEqual({ username: 'me', password: 'p:w' });
    expect(await cfg.erase('reg.example:5000')).toBe(true);
    expect(await cfg.get('reg.example:5000')).toBeUndefined();
    expect(await cfg.erase('reg.example:5000')).toBe(false);
  });

  it('keeps an identity token as docker does: the user name in auth, no password', async () => {
    const path = join(dir, 'config.json');
    const cfg = new DockerConfig(path);
    await cfg.store('reg.example', { username: 'me', identityToken: 'refresh.jwt.here' });
    const json = JSON.parse(await readFile(path, 'utf8')) as { auths: Record<string, { auth?: string; identitytoken?: string }> };
    expect(json.auths['reg.example']).toEqual({ auth: Buffer.from('me:').toString('base64'), identitytoken: 'refresh.jwt.here' });
    expect(await cfg.get('reg.example')).toEqual({ username: 'me', identityToken: 'refresh.jwt.here' });
    // docker's own older files carry the token alone.
    await writeFile(path, JSON.stringify({ auths: { 'reg.example': { identitytoken: 'only' } } }));
    expect(await cfg.get('reg.example')).toEqual({ identityToken: 'only' });
  });

  it('finds entries Docker wrote under a URL key', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ auths: { 'https://reg.example/v2/': { auth: Buffer.from('u:x').toString('base64') } } }));
    expect(await new DockerConfig(path).get('reg.example')).toEqual({ username: 'u', password: 'x' });
  });

  it('speaks the docker-credential helper protocol when credsStore is set', async () => {
    // A helper that keeps one credential in a file, as the protocol in the README describes.
    const script = `store="${dir}/helper.json"
case "$1" in
  store) cat > "$store" ;;
  get) read url; if [ -f "$store" ]; then cat "$store"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) rm -f "$store" ;;
esac`;
    await withHelper('berthtest', script, async (cfg, path) => {
      expect(await cfg.get('reg.example')).toBeUndefined();
      await cfg.store('reg.example', { username: 'me', password: 'secret' });
      const file = await readFile(path, 'utf8');
      expect(file).not.toContain('secret');
      expect(JSON.parse(file).auths).toEqual({ 'reg.example': {} });
      expect(JSON.parse(await readFile(join(dir, 'helper.json'), 'utf8'))).toEqual({ ServerURL: 'reg.example', Username: 'me', Secret: 'secret' });
      expect(await cfg.get('reg.example')).toEqual({ username: 'me', password: 'secret' });
      await cfg.erase('reg.example');
      expect(await cfg.get('reg.example')).toBeUndefined();
    });
  });
});

describe('DockerConfig with a helper that misbehaves', () => {
  it('judges a helper that never reads its input by its exit code, many times over', async () => {
    // Closing stdin first: berth's write may meet a closed pipe (EPIPE), which must not throw.
    await withHelper('odd', 'exec 0<&-; exit 0', async (cfg) => {
      for (let i = 0; i < 20; i++) await cfg.erase('reg.example');
    });
  });

  it('refuses an answer to get that is not a JSON object, with a clear error', async () => {
    for (const answer of ['not json', 'null', '[1]']) {
      await withHelper('odd', `read url; echo '${answer}'`, async (cfg) => {
        await expect(cfg.get('reg.example')).rejects.toThrow(/docker-credential-odd answered get for reg.example with something that is not a JSON object/);
      });
    }
  });
});
