import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLogWriter, readJsonLog } from './json-log.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'json-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function end(w: NodeJS.WritableStream): Promise<void> {
  await new Promise<void>((r) => w.end(r));
}

describe('json-file logs', () => {
  it('one entry a line per stream, a partial last line flushed at the end; read back apart', async () => {
    const path = join(dir, 'c-json.log');
    const log = new JsonLogWriter(path);
    const tee = sink();
    const out = log.stream('stdout', tee.stream);
    const err = log.stream('stderr');
    out.write('a\nb');
    err.write('e1\n');
    out.write('c\n');
    out.write('tail');
    await end(out);
    await end(err);
    await log.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
    expect(lines.map((l) => [l.stream, l.log])).toEqual([['stdout', 'a\n'], ['stderr', 'e1\n'], ['stdout', 'bc\n'], ['stdout', 'tail']]);
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(tee.text()).toBe('a\nbc\ntail');
    const o = sink();
    const e = sink();
    await readJsonLog(path, { stdout: o.stream, stderr: e.stream });
    expect([o.text(), e.text()]).toEqual(['a\nbc\ntail', 'e1\n']);
    const o2 = sink();
    const e2 = sink();
    await readJsonLog(path, { stdout: o2.stream, stderr: e2.stream }, { tail: 2 });
    expect([o2.text(), e2.text()]).toEqual(['bc\ntail', '']);
  });

  it('a missing log is empty; follow reads what is written until the container stops', async () => {
    const path = join(dir, 'f-json.log');
    const o = sink();
    await readJsonLog(path, { stdout: o.stream, stderr: o.stream });
    expect(o.text()).toBe('');
    const log = new JsonLogWriter(path);
    const out = log.stream('stdout');
    out.write('first\n');
    let running = true;
    const following = readJsonLog(path, { stdout: o.stream, stderr: o.stream }, { follow: async () => running });
    await new Promise((r) => setTimeout(r, 150));
    out.write('second\n');
    await end(out);
    await log.close();
    running = false;
    await following;
    expect(o.text()).toBe('first\nsecond\n');
  });
});
