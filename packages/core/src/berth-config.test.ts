import { describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { berthConfigPath, configSection, parseBerthConfig, readBerthConfig, transferConcurrency } from './berth-config.js';

describe('berth config file', () => {
  it('is found at BERTH_CONFIG, else XDG_CONFIG_HOME, else ~/.config, ignoring a relative XDG_CONFIG_HOME', () => {
    expect(berthConfigPath({ BERTH_CONFIG: '/etc/b.json', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toEqual({ path: '/etc/b.json', explicit: true });
    expect(berthConfigPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }).path).toBe('/x/berth/config.json');
    expect(berthConfigPath({ XDG_CONFIG_HOME: 'rel', HOME: '/h' }).path).toBe('/h/.config/berth/config.json');
  });

  it('a missing default file is an empty config; a missing BERTH_CONFIG file is an error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-config-'));
    try {
      const none = await readBerthConfig({ XDG_CONFIG_HOME: dir });
      expect(none).toMatchObject({ exists: false, plugins: [], path: join(dir, 'berth', 'config.json') });
      await expect(readBerthConfig({ BERTH_CONFIG: join(dir, 'nope.json') })).rejects.toMatchObject({ code: 'ERR_BERTH_CONFIG', message: expect.stringContaining('does not exist') });
      await mkdir(join(dir, 'berth'));
      await writeFile(join(dir, 'berth', 'config.json'), '{"plugins":["berth-plugin-x","./local"],"registryMirrors":["https://m"]}');
      const some = await readBerthConfig({ XDG_CONFIG_HOME: dir });
      expect(some.plugins).toEqual(['berth-plugin-x', './local']);
      expect(some.raw.registryMirrors).toEqual(['https://m']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses invalid JSON, a non-object and a malformed plugins list with the file named', () => {
    expect(() => parseBerthConfig('{', '/c.json')).toThrow(/config file \/c.json is not valid JSON/);
    expect(() => parseBerthConfig('[]', '/c.json')).toThrow(/must hold a JSON object/);
    expect(() => parseBerthConfig('{"plugins":"x"}', '/c.json')).toThrow(/"plugins" must be an array/);
    expect(() => parseBerthConfig('{"plugins":[1]}', '/c.json')).toThrow(/"plugins" must be an array/);
  });

  it('configSection checks one key and names it in the error', () => {
    const cfg = parseBerthConfig('{"mirrors":5}', '/c.json');
    const asList = (v: unknown) => {
      if (!Array.isArray(v)) throw new Error('must be a list');
      return v as string[];
    };
    expect(configSection(cfg, 'other', asList, [])).toEqual([]);
    expect(() => configSection(cfg, 'mirrors', asList, [])).toThrow('config file /c.json: "mirrors" must be a list');
  });

  it('max-concurrent-downloads/uploads: 3 each by default, whole numbers from 1 to 64, else the key is named', () => {
    expect(transferConcurrency(parseBerthConfig('{}', '/c.json'))).toEqual({ downloads: 3, uploads: 3 });
    expect(transferConcurrency(parseBerthConfig('{"max-concurrent-downloads": 1, "max-concurrent-uploads": 6}', '/c.json'))).toEqual({ downloads: 1, uploads: 6 });
    for (const bad of ['0', '2.5', '"4"', '65']) {
      expect(() => transferConcurrency(parseBerthConfig(`{"max-concurrent-downloads": ${bad}}`, '/c.json'))).toThrow('config file /c.json: "max-concurrent-downloads" must be a whole number from 1 to 64');
    }
  });
});
