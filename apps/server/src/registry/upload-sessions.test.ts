import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { rootfsTar } from '@berth/testkit';
import { UploadSessions } from './upload-sessions.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berthd-sessions-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const tree = await mkdtemp(join(tmpdir(), 'berthd-tree-'));
  try {
    for (const [name, body] of Object.entries(files)) await writeFile(join(tree, name), body);
    await mkdir(join(tree, 'd'));
    return await readFile(await rootfsTar(tree, join(tree, '..', `${tree.split('/').pop()}.tar`)));
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

describe('UploadSessions', () => {
  it('resumes after a restart: a new instance rehashes what was acknowledged and continues', async () => {
    const data = Buffer.from('0123456789abcdefghij');
    const first = new UploadSessions(dir);
    let state = await first.create('team/app');
    state = await first.append(state, Readable.from([data.subarray(0, 7)]));
    state = await first.append(state, Readable.from([data.subarray(7, 12)]));
    expect(state.offset).toBe(12);

    const second = new UploadSessions(dir);
    let again = await second.get(state.id, 'team/app');
    expect(again.offset).toBe(12);
    again = await second.append(again, Readable.from([data.subarray(12)]));
    const { digest, sniffer } = await second.finish(again);
    expect(digest).toBe(sha(data));
    // The layer inspection started in the first process; the second one cannot know the facts.
    expect(sniffer).toBeUndefined();
  });

  it('a chunk the client cut off keeps what reached the disk; the upload goes on from there to the right digest', async () => {
    const data = Buffer.alloc(3 << 20, 7);
    data.write('the start', 0);
    const s = new UploadSessions(dir);
    let state = await s.create('team/app');
    // A body that delivers 2 MiB, then fails as a dropped connection does: once the 2 MiB are in
    // the file, not after a fixed delay (50 ms was too short on a loaded machine).
    const cut = new Readable({ read() {} });
    cut.push(data.subarray(0, 1 << 20));
    cut.push(data.subarray(1 << 20, 2 << 20));
    const id = state.id;
    const drop = (async () => {
      while ((await stat(s.dataPath(id)).then((st) => st.size, () => 0)) < 2 << 20) await new Promise((r) => setTimeout(r, 5));
      cut.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    })();
    await expect(s.append(state, cut)).rejects.toThrow('aborted');
    await drop;
    state = await s.get(state.id, 'team/app');
    expect(state.offset).toBe(2 << 20);
    state = await s.append(state, Readable.from([data.subarray(2 << 20)]));
    expect((await s.finish(state)).digest).toBe(sha(data));
  });

  it('a session belongs to its repository', async () => {
    const s = new UploadSessions(dir);
    const state = await s.create('a');
    await expect(s.get(state.id, 'b')).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN', status: 404 });
    await expect(s.get('../../etc', 'a')).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
  });

  it('learns diffID and Docker size of a layer while it streams in, in any chunking', async () => {
    const tar = await tarOf({ 'a.txt': 'hello', 'b.txt': 'world!' });
    const s = new UploadSessions(dir);
    let state = await s.create('r');
    state = await s.append(state, Readable.from([tar.subarray(0, 700)]));
    state = await s.append(state, Readable.from([tar.subarray(700)]));
    const { digest, sniffer } = await s.finish(state);
    expect(digest).toBe(sha(tar));
    expect(await sniffer!.finish()).toEqual({ diffID: sha(tar), tarSize: tar.length, size: 11 });
  });

  it('a blob that is no tar (a config) is simply not a layer', async () => {
    const s = new UploadSessions(dir);
    const state = await s.append(await s.create('r'), Readable.from([Buffer.from('{"architecture":"amd64"}')]));
    const { sniffer } = await s.finish(state);
    expect(await sniffer!.finish()).toBeUndefined();
  });

  it('a session whose directory was cleaned away (stale temps) is unknown, though this process knew it', async () => {
    const s = new UploadSessions(dir);
    const state = await s.append(await s.create('r'), Readable.from([Buffer.from('x')]));
    await rm(join(dir, (await readdir(dir))[0]!), { recursive: true, force: true });
    const known = await s.get(state.id, 'r');
    await expect(s.append(known, Readable.from([Buffer.from('y')]))).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN', status: 404 });
    await expect(s.get(state.id, 'r')).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN', status: 404 });
  });

  it('remove leaves nothing in the staging directory', async () => {
    const s = new UploadSessions(dir);
    const state = await s.append(await s.create('r'), Readable.from([Buffer.from('x')]));
    await s.remove(state.id);
    expect(await readdir(dir)).toEqual([]);
  });
});
