import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectSuccess, run } from './run.js';

describe('run', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-run-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('collects stdout and stderr and reports a non-zero exit code without throwing', async () => {
    const result = await run('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 3 });
  });

  it('feeds stdin from a string, a Buffer and a stream', async () => {
    expect((await run('cat', [], { input: 'from a string' })).stdout).toBe('from a string');
    expect((await run('cat', [], { input: Buffer.from([0x61, 0x62]) })).stdout).toBe('ab');
    const stream = Readable.from([Buffer.from('one '), Buffer.from('two')]);
    expect((await run('cat', [], { input: stream })).stdout).toBe('one two');
  });

  it('closes stdin when there is no input, so a reader sees end of file', async () => {
    expect(await run('wc', ['-c'])).toMatchObject({ stdout: '0\n', code: 0 });
  });

  it('does not fail when the child exits without reading its input', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
    expect((await run('true', [], { input: big })).code).toBe(0);
  });

  it('streams stdout to a writable instead of collecting it', async () => {
    const file = join(dir, 'out.bin');
    const result = await run('head', ['-c', '300000', '/dev/zero'], { stdout: createWriteStream(file) });
    expect(result.stdout).toBe('');
    expect((await readFile(file)).length).toBe(300_000);
  });

  it('reports death by a signal as 128 + the signal number, as a shell does', async () => {
    expect((await run('sh', ['-c', 'kill -TERM $$'])).code).toBe(143);
  });

  it('kills the child and rejects after the timeout', async () => {
    const started = Date.now();
    await expect(run('sleep', ['30'], { timeoutMs: 200 })).rejects.toThrow(/sleep 30 timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects with the command name when it cannot be started', async () => {
    await expect(run('/nonexistent/berth-peer', [])).rejects.toThrow(/cannot run \/nonexistent\/berth-peer/);
  });

  it('passes the given environment and working directory', async () => {
    const result = await run('sh', ['-c', 'echo "$BERTH_X $(pwd)"'], { env: { BERTH_X: 'yes', PATH: process.env['PATH'] }, cwd: dir });
    expect(result.stdout).toBe(`yes ${dir}\n`);
  });

  it('runs as another user when asked', async () => {
    expect((await run('id', ['-u'], { uid: 65534, gid: 65534 })).stdout).toBe('65534\n');
  });

  it('expectSuccess names the failing step with its stderr', async () => {
    const failed = await run('sh', ['-c', 'echo boom >&2; exit 1']);
    expect(() => expectSuccess(failed, 'docker import')).toThrow(/docker import exited with code 1\nstderr: boom/);
  });
});
