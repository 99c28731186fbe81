import { describe, expect, it } from 'vitest';
import { parseBerthConfig, parseNormalizedReference } from '@berth/core';
import { pullSources, registriesConfig } from './registries-config.js';

const config = (obj: unknown) => registriesConfig(parseBerthConfig(JSON.stringify(obj), '/etc/berth.json'));
const places = (name: string, obj: unknown) => pullSources(parseNormalizedReference(name), config(obj)).map((p) => `${p.endpoint.base} ${p.repository}${p.mirror ? ' (mirror)' : ''}`);

describe('registries config: where a pull goes', () => {
  it('tries Docker\'s registry-mirrors before Docker Hub, for docker.io names only', () => {
    const c = { 'registry-mirrors': ['http://127.0.0.1:5001/', 'https://mirror.example.com/hub'] };
    expect(places('busybox', c)).toEqual(['http://127.0.0.1:5001 library/busybox (mirror)', 'https://mirror.example.com/hub library/busybox (mirror)', 'https://registry-1.docker.io library/busybox']);
    expect(places('quay.io/a/b', c)).toEqual(['https://quay.io a/b']);
  });

  it('uses the longest matching prefix, at a path boundary, with its location and mirrors rewritten', () => {
    const c = {
      registries: [
        { prefix: 'example.com', mirrors: [{ location: 'm1.example.net' }] },
        { prefix: 'example.com/foo', location: 'internal.example.com/bar', mirrors: [{ location: '127.0.0.1:5002/mirror', insecure: true }] },
      ],
    };
    expect(places('example.com/foo/app:1', c)).toEqual(['http://127.0.0.1:5002 mirror/app (mirror)', 'https://internal.example.com bar/app']);
    expect(places('example.com/foobar/app', c)).toEqual(['https://m1.example.net foobar/app (mirror)', 'https://example.com foobar/app']);
  });

  it('marks hosts insecure as asked, matches *.domain, and honours digest-only and tag-only mirrors', () => {
    const c = {
      'insecure-registries': ['plain.example.com:5000'],
      registries: [
        { prefix: '*.corp.example', mirrors: [{ location: 'digests.example', 'pull-from-mirror': 'digest-only' }, { location: 'tags.example', 'pull-from-mirror': 'tag-only' }] },
        { location: 'plain2.example', insecure: true },
      ],
    };
    expect(places('a.b.corp.example/x:1', c)).toEqual(['https://tags.example x (mirror)', 'https://a.b.corp.example x']);
    expect(places(`a.corp.example/x@sha256:${'a'.repeat(64)}`, c)).toEqual(['https://digests.example x (mirror)', 'https://a.corp.example x']);
    expect(places('plain.example.com:5000/x', c)).toEqual(['http://plain.example.com:5000 x']);
    expect(places('plain2.example/x', c)).toEqual(['http://plain2.example x']);
  });

  it('refuses a blocked name and a config it cannot honour, naming the file and key', () => {
    expect(() => places('evil.example/x', { registries: [{ prefix: 'evil.example', blocked: true }] })).toThrow('pulling evil.example/x is blocked by registries entry "evil.example"');
    expect(() => config({ 'registry-mirrors': ['ftp://m'] })).toThrow('config file /etc/berth.json: "registry-mirrors" has "ftp://m": unsupported scheme ftp');
    expect(() => config({ 'registry-mirrors': ['http://u:p@m'] })).toThrow('username/password not allowed');
    expect(() => config({ registries: [{ prefix: 'a.*.com' }] })).toThrow('a wildcard is only allowed as "*.domain"');
    expect(() => config({ registries: [{ prefix: 'a.com', mirrors: [{ location: 'm', 'pull-from-mirror': 'sometimes' }] }] })).toThrow('pull-from-mirror must be');
    expect(() => config({ registries: [{}] })).toThrow('[0] needs a prefix or a location');
  });
});
