import { describe, expect, it } from 'vitest';
import { cleanRelative } from './tar-path.js';
import { LayerDiskUsage } from './inspect.js';

describe('cleanRelative', () => {
  it.each([
    ['usr/bin/env', 'usr/bin/env'],
    ['.hidden/...', '.hidden/...'],
    ['a/..b/.c', 'a/..b/.c'],
    ['a//b', 'a/b'],
    ['./a', 'a'],
    ['a/./b/', 'a/b'],
    ['a/../b', 'b'],
    ['a/..', ''],
    ['.', ''],
    ['', ''],
    ['/a', 'a'],
    ['..', undefined],
    ['a/../../b', undefined],
  ])('cleans %j to %j', (name, clean) => {
    expect(cleanRelative(name)).toBe(clean);
  });

  it('resolves from a base', () => {
    expect(cleanRelative('../c', 'a/b')).toBe('a/c');
    expect(cleanRelative('../../..', 'a/b')).toBeUndefined();
  });
});

describe('LayerDiskUsage', () => {
  it('counts each inode once, after replacements and hard links', () => {
    const usage = new LayerDiskUsage();
    usage.node('a', 10);
    usage.hardlink('b', 'a');
    usage.node('c', 5);
    usage.node('c', 7);
    usage.node('d', 100);
    usage.empty('d');
    usage.hardlink('e', 'missing');
    expect(usage.total()).toBe(17);
    usage.node('a', 1);
    expect(usage.total()).toBe(18);
  });
});
