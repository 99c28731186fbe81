import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UploadSessionFile } from './upload-session-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upload-sessions-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('UploadSessionFile', () => {
  it('remembers a session per registry, repository and blob (0600), and forgets it', async () => {
    const a = new UploadSessionFile(dir, 'reg:5000', 'team/app', 'sha256:aa');
    const other = new UploadSessionFile(dir, 'reg:5000', 'team/other', 'sha256:aa');
    expect(await a.load()).toBeUndefined();
    await a.save('http://reg:5000/v2/team/app/blobs/uploads/1');
    await a.save('http://reg:5000/v2/team/app/blobs/uploads/1?_state=2');
    expect(await a.load()).toBe('http://reg:5000/v2/team/app/blobs/uploads/1?_state=2');
    expect(await other.load()).toBeUndefined();
    const [name] = await readdir(dir);
    expect((await stat(join(dir, name!))).mode & 0o777).toBe(0o600);
    await a.remove();
    expect(await readdir(dir)).toEqual([]);
  });

  it('ignores an unreadable or day-old file; sweep deletes day-old ones only', async () => {
    const a = new UploadSessionFile(dir, 'reg', 'r', 'sha256:bb');
    await a.save('http://reg/v2/r/blobs/uploads/x');
    const [name] = await readdir(dir);
    await writeFile(join(dir, name!), '{not json');
    expect(await a.load()).toBeUndefined();
    await writeFile(join(dir, name!), JSON.stringify({ location: 'http://reg/x', savedAt: Date.now() - 2 * 24 * 3600_000 }));
    expect(await a.load()).toBeUndefined();
    const fresh = new UploadSessionFile(dir, 'reg', 'r', 'sha256:cc');
    await fresh.save('http://reg/v2/r/blobs/uploads/y');
    const old = new Date(Date.now() - 2 * 24 * 3600_000);
    await utimes(join(dir, name!), old, old);
    await UploadSessionFile.sweep(dir);
    expect(await readdir(dir)).toHaveLength(1);
    expect(await fresh.load()).toBe('http://reg/v2/r/blobs/uploads/y');
  });
});
