import { describe, expect, it } from 'vitest';
import { parseChallenges } from './auth-challenge.js';

describe('parseChallenges', () => {
  it('reads a Bearer challenge as distribution sends it', () => {
    const h = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"';
    expect(parseChallenges(h)).toEqual([{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } }]);
  });
  it('reads Basic and several challenges, quoted commas and escapes included', () => {
    expect(parseChallenges('Basic realm="basic-realm"')).toEqual([{ scheme: 'basic', params: { realm: 'basic-realm' } }]);
    const two = parseChallenges('Basic realm="a, b", Bearer realm="x\\"y",scope="repository:a/b:pull,push"');
    expect(two.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(two[0]!.params.realm).toBe('a, b');
    expect(two[1]!.params.realm).toBe('x"y');
  });
  it('returns nothing for a missing header', () => {
    expect(parseChallenges(undefined)).toEqual([]);
  });
});
