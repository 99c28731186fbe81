import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { startRegistry, type RegistryPeer } from '@berth/testkit';
import { nextPage } from './link-header.js';
import { parseSearchBody, searchRegistry } from './registry-search.js';

describe('search answers and catalog pages', () => {
  it('reads Hub\'s search JSON and refuses an answer without results', () => {
    expect(parseSearchBody({ results: [{ name: 'busybox', description: 'd', star_count: 3, is_official: true, is_automated: false }, { name: 'x' }] })).toEqual([
      { name: 'busybox', description: 'd', starCount: 3, isOfficial: true, isAutomated: false },
      { name: 'x', description: '', starCount: 0, isOfficial: false, isAutomated: false },
    ]);
    expect(() => parseSearchBody({ num_results: 0 })).toThrow('the search answer has no "results" list');
  });

  it('follows rel="next" Link headers', () => {
    expect(nextPage('</v2/_catalog?last=b&n=2>; rel="next"')).toBe('/v2/_catalog?last=b&n=2');
    expect(nextPage(['<https://r/x>; rel=prev', '<https://r/y>; rel=next'])).toBe('https://r/y');
    expect(nextPage(undefined)).toBeUndefined();
  });
});

describe('catalog fallback against docker-registry (htpasswd)', () => {
  let reg: RegistryPeer;
  const credentials = async () => ({ username: 'tester', password: 'secret-pw' });
  const names = ['a/match-1', 'b/other', 'c/match-2', 'd/other', 'e/MATCH-3'];

  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd' });
    const auth = { authorization: `Basic ${Buffer.from('tester:secret-pw').toString('base64')}` };
    // The smallest image each: an empty config blob and a manifest naming it.
    const config = Buffer.from('{}');
    const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    for (const name of names.map((n) => n.toLowerCase())) {
      const start = await fetch(`${reg.url}/v2/${name}/blobs/uploads/`, { method: 'POST', headers: auth });
      const location = new URL(start.headers.get('location')!, reg.url);
      location.searchParams.set('digest', digest);
      expect((await fetch(location, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: config })).status).toBe(201);
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: config.length }, layers: [] });
      expect((await fetch(`${reg.url}/v2/${name}/manifests/1`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await reg?.stop();
  });

  it('walks every catalog page (one name a page) and keeps the names containing the term, case-insensitively', async () => {
    const found = await searchRegistry(reg.host, 'Match', { limit: 25, credentials }, {}, 1);
    expect(found.via).toBe('catalog');
    expect(found.results.map((r) => r.name)).toEqual(['a/match-1', 'c/match-2', 'e/match-3']);
  });

  it('stops at the limit', async () => {
    const found = await searchRegistry(reg.host, 'match', { limit: 2, credentials }, {}, 1);
    expect(found.results.map((r) => r.name)).toEqual(['a/match-1', 'c/match-2']);
  });

  it('refuses without credentials', async () => {
    await expect(searchRegistry(reg.host, 'match', { limit: 2 }, {}, 1)).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' });
  });
});
