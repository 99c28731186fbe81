import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Change } from './changes.js';
import { dockerChanges } from './docker-changes.js';

const DIR = 0o040755;
const FILE = 0o100644;
const st = (mode: number, mtimeMs = 1_000_000, size = 10, uid = 0): Stats => ({ mode, mtimeMs, size, uid, gid: 0, rdev: 0, isDirectory: () => (mode & 0o170000) === 0o040000 }) as unknown as Stats;
const entry = (path: string, s: Stats): Change => ({ kind: 'entry', path, abs: `/upper/${path}`, st: s });

describe('dockerChanges (docker diff as dockerd lists it)', () => {
  const image: Record<string, Stats> = { etc: st(DIR), 'etc/passwd': st(FILE), 'etc/group': st(FILE), bin: st(DIR), 'bin/ls': st(FILE), usr: st(DIR), 'usr/lib': st(DIR) };
  const lower = (rel: string): Stats | undefined => image[rel];

  it('added, deleted and changed entries, with every directory that holds one, in walk order', () => {
    const changes: Change[] = [
      entry('etc', st(DIR)),
      entry('etc/passwd', st(FILE, 2_000_000)),
      entry('etc/group', st(FILE)),
      entry('bin', st(DIR, 5_000_000)),
      { kind: 'whiteout', path: 'bin/.wh.ls' },
      entry('usr', st(DIR)),
      entry('usr/lib', st(DIR)),
      entry('usr/lib/new.so', st(FILE)),
      entry('f', st(FILE)),
    ];
    expect(dockerChanges(changes, lower).map((c) => `${c.kind} /${c.path.slice(1)}`)).toEqual([
      'modified /bin',
      'deleted /bin/ls',
      'modified /etc',
      'modified /etc/passwd',
      'added /f',
      'modified /usr',
      'modified /usr/lib',
      'added /usr/lib/new.so',
    ]);
  });

  it('a directory\'s own mode or owner is a change; its mtime alone is not; a file\'s size is', () => {
    expect(dockerChanges([entry('etc', st(0o040700))], lower)).toEqual([{ path: '/etc', kind: 'modified' }]);
    expect(dockerChanges([entry('etc', st(DIR, 9_000_000, 10, 1000))], lower)).toEqual([{ path: '/etc', kind: 'modified' }]);
    expect(dockerChanges([entry('etc', st(DIR, 9_000_000))], lower)).toEqual([]);
    expect(dockerChanges([entry('etc', st(DIR)), entry('etc/group', st(FILE, 1_000_000, 11))], lower)).toEqual([{ path: '/etc', kind: 'modified' }, { path: '/etc/group', kind: 'modified' }]);
  });

  it('a whiteout of something the image never had, and an opaque marker, list nothing', () => {
    expect(dockerChanges([entry('tmp', st(DIR)), { kind: 'whiteout', path: 'tmp/.wh.ghost' }, { kind: 'whiteout', path: 'tmp/.wh..wh..opq' }], lower)).toEqual([{ path: '/tmp', kind: 'added' }]);
  });
});
