import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { JsonLogWriter, logTimeBound, readJsonLog } from './json-log.js';

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
  it('a log that cannot be written loses its lines, not the output: the tee goes on and close() settles', async () => {
    // /dev/full fails every write with ENOSPC, as a full disk does.
    const log = new JsonLogWriter('/dev/full');
    const tee = sink();
    const out = log.stream('stdout', tee.stream);
    for (let i = 0; i < 50; i++) out.write(`line ${i}\n`);
    await new Promise((r) => setTimeout(r, 50));
    out.write('last\n');
    await end(out);
    await log.close();
    expect(tee.text()).toBe(`${Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join('')}last\n`);
    expect(log.error).toMatchObject({ code: 'ERR_NO_SPACE' });
  });

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

  it('--since and --until keep the entries written in that window (tail first, as moby), times as docker reads them', async () => {
    const path = join(dir, 'w-json.log');
    const at = (s: number, line: string, stream = 'stdout'): string => JSON.stringify({ log: line, stream, time: `2026-11-29T04:00:0${s}.123456789Z` });
    await writeFile(path, [at(1, 'one\n'), at(2, 'two\n', 'stderr'), at(3, 'three\n'), at(4, 'four\n')].join('\n') + '\n');
    const read = async (opts: Parameters<typeof readJsonLog>[2]): Promise<string> => {
      const o = sink();
      const e = sink();
      await readJsonLog(path, { stdout: o.stream, stderr: e.stream }, opts);
      return o.text() + e.text();
    };
    const t = (v: string): number => logTimeBound('since', v, Date.parse('2026-11-29T04:00:10Z'));
    expect(await read({ since: t('2026-11-29T04:00:02Z') })).toBe('three\nfour\ntwo\n');
    expect(await read({ until: t('2026-11-29T04:00:02.5Z') })).toBe('one\ntwo\n');
    expect(await read({ since: t('8s'), until: t('6s') })).toBe('three\ntwo\n');
    // Unix seconds, as the docker CLI sends them to the Engine API.
    expect(await read({ since: t(String(Date.parse('2026-11-29T04:00:03.5Z') / 1000)) })).toBe('four\n');
    expect(await read({ tail: 2, since: t('2026-11-29T04:00:02Z') })).toBe('three\nfour\n');
    expect(() => logTimeBound('until', 'yesterday', 1)).toThrow('invalid value for "until": failed to parse value as time or duration: "yesterday"');
  });
});
