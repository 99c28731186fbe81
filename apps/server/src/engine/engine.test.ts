import { describe, expect, it } from 'vitest';
import { BerthError } from '@berth/core';
import { compareVersions, splitVersion, unsupportedVersion } from './api-version.js';
import { boolParam, filterArgs } from './engine-filters.js';
import { credentialsOf, parseRegistryAuthHeader } from './registry-auth-header.js';
import { toEngineError } from './engine-error.js';
import { parseEngineListen } from './engine-listen.js';

describe('API versions', () => {
  it('compares numerically and answers outside the range with dockerd\'s words', () => {
    expect(compareVersions('1.9', '1.10')).toBe(-1);
    expect(unsupportedVersion('1.51')).toBeUndefined();
    expect(unsupportedVersion('1.23')).toBe('client version 1.23 is too old. Minimum supported API version is 1.40, please upgrade your client to a newer version');
    expect(unsupportedVersion('1.57')).toBe('client version 1.57 is too new. Maximum supported API version is 1.56');
  });
  it('splits /v1.xx/ prefixes; an unversioned path is the newest version', () => {
    expect(splitVersion('/v1.51/images/json')).toEqual({ version: '1.51', path: '/images/json', explicit: true });
    expect(splitVersion('/images/json')).toEqual({ version: '1.56', path: '/images/json', explicit: false });
    expect(splitVersion('/v1.2.3/images/json')).toBeUndefined();
  });
});

describe('filters and booleans', () => {
  it('reads both JSON shapes into key=value arguments', () => {
    expect(filterArgs('{"dangling":{"true":true},"label":{"a=b":true,"c":false}}')).toEqual(['dangling=true', 'label=a=b']);
    expect(filterArgs('{"reference":["busybox:*"]}')).toEqual(['reference=busybox:*']);
    expect(filterArgs(null)).toEqual([]);
    expect(() => filterArgs('{"dangling":"x"}')).toThrow(/invalid filter/);
    expect(() => filterArgs('nope')).toThrow(/invalid filter/);
  });
  it('parses booleans as Go does for query values', () => {
    expect(['1', 'true', 'True'].map(boolParam)).toEqual([true, true, true]);
    expect(['0', 'false', '', null].map(boolParam)).toEqual([false, false, false, false]);
  });
});

describe('X-Registry-Auth', () => {
  const encode = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  it('gives the client\'s credentials, or none for {}', () => {
    expect(credentialsOf(parseRegistryAuthHeader(encode({ username: 'u', password: 'p', serveraddress: 'r:5000' })))).toEqual({ username: 'u', password: 'p' });
    expect(credentialsOf(parseRegistryAuthHeader(encode({ auth: Buffer.from('a:b:c').toString('base64') })))).toEqual({ username: 'a', password: 'b:c' });
    expect(credentialsOf(parseRegistryAuthHeader(encode({ identitytoken: 't' })))).toEqual({ identityToken: 't' });
    expect(credentialsOf(parseRegistryAuthHeader('e30='))).toBeUndefined();
    expect(credentialsOf(parseRegistryAuthHeader(undefined))).toBeUndefined();
    expect(() => parseRegistryAuthHeader('!!!')).toThrow(/invalid X-Registry-Auth/);
  });
});

describe('errors and listen addresses', () => {
  it('maps berth codes to dockerd statuses', () => {
    expect(toEngineError(new BerthError('ERR_IMAGE_UNKNOWN', 'No such image: x:latest')).status).toBe(404);
    expect(toEngineError(new BerthError('ERR_IMAGE_CONFLICT', 'conflict')).status).toBe(409);
    expect(toEngineError(new BerthError('ERR_INVALID_FILTER', 'bad')).status).toBe(400);
    expect(toEngineError(new Error('boom')).status).toBe(500);
  });
  it('parses --engine-listen', () => {
    expect(parseEngineListen(undefined)).toEqual({ kind: 'main' });
    expect(parseEngineListen('off')).toEqual({ kind: 'off' });
    expect(parseEngineListen('unix:///run/berthd.sock')).toEqual({ kind: 'unix', path: '/run/berthd.sock' });
    expect(parseEngineListen('tcp://127.0.0.1:2375')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2375, address: '127.0.0.1:2375' });
    expect(() => parseEngineListen('unix://relative.sock')).toThrow(/absolute path/);
    expect(() => parseEngineListen('tcp://host')).toThrow(/expected unix/);
  });
});
