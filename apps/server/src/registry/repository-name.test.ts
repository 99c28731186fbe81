import { describe, expect, it } from 'vitest';
import { isBerthError } from '@berth/core';
import { isTag, parseRepositoryName, registryNameOfStoreTag, storeTag } from './repository-name.js';

describe('registry repository ↔ store name', () => {
  it('maps a repository to the store name Docker would give it without the registry host', () => {
    expect(storeTag(parseRepositoryName('team/app'), '1')).toBe('docker.io/team/app:1');
    expect(storeTag(parseRepositoryName('busybox'), 'latest')).toBe('docker.io/library/busybox:latest');
    expect(storeTag(parseRepositoryName('library/busybox'), 'latest')).toBe('docker.io/library/busybox:latest');
    expect(storeTag(parseRepositoryName('ghcr.io/o/r'), 'v1')).toBe('ghcr.io/o/r:v1');
  });
  it('shows store names by the repository clients ask for', () => {
    expect(registryNameOfStoreTag('docker.io/library/busybox:latest')).toEqual({ repository: 'busybox', tag: 'latest' });
    expect(registryNameOfStoreTag('docker.io/team/app:1')).toEqual({ repository: 'team/app', tag: '1' });
    expect(registryNameOfStoreTag('localhost:5000/x:2')).toEqual({ repository: 'localhost:5000/x', tag: '2' });
  });
  it('refuses names Docker refuses', () => {
    for (const bad of ['Team/App', 'a//b', 'x:1', '']) {
      let err: unknown;
      try {
        parseRepositoryName(bad);
      } catch (e) {
        err = e;
      }
      expect(isBerthError(err, 'ERR_INVALID_REFERENCE'), bad).toBe(true);
    }
  });
  it('accepts tags by distribution TagRegexp', () => {
    expect(isTag('v1.2_3-rc')).toBe(true);
    expect(isTag('.hidden')).toBe(false);
    expect(isTag('a'.repeat(129))).toBe(false);
  });
});
