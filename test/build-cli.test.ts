// The `berth build` command line against `docker build` (classic builder): contexts from stdin
// (a Dockerfile alone, or a gzip tar), a tar file, -f relative to the working directory, -q, and
// failures printed and exited as docker does.
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfs, rootfsTar, run, startRegistry } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { docker, dockerOk } from './support/docker.js';

const BASE = 'berth-build-cli/busybox:1';
let work: string;
let store: Store;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'build-cli-'));
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'busybox.tar'));
  await dockerOk(['import', tar, BASE]);
  store = await newStore();
  await store.ok(['import', tar, BASE]);
});

afterAll(async () => {
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

const config = async (who: 'docker' | 'berth', tag: string): Promise<unknown> => {
  const args = ['image', 'inspect', '-f', '{{json .Config.Env}} {{json .Config.Labels}} {{json .Config.Cmd}}', tag];
  return who === 'docker' ? dockerOk(args) : store.ok(args);
};

describe('berth build contexts and output', () => {
  it('reads a Dockerfile alone from stdin (no context), as docker build - < Dockerfile', async () => {
    const df = join(work, 'stdin.Dockerfile');
    await writeFile(df, `FROM ${BASE}\nLABEL from=stdin\nCMD ["sh"]\n`);
    const d = await docker(['build', '-t', 'cli/stdin:1', '-'], { input: createReadStream(df) });
    const b = await store.berth(['build', '-t', 'cli/stdin:1', '-'], { input: createReadStream(df) });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout.split('\n')[0]).toBe(d.stdout.split('\n')[0]);
    expect(await config('berth', 'cli/stdin:1')).toBe(await config('docker', 'cli/stdin:1'));
  });

  it('reads gzip, xz and bzip2 tar contexts from stdin and from a file', async () => {
    const ctx = join(work, 'tarctx');
    await mkdir(join(ctx, 'sub'), { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), `FROM ${BASE}\nCOPY sub /sub\nLABEL from=tar\n`);
    await writeFile(join(ctx, 'sub', 'f.txt'), 'f\n');
    // tar stores the second name of a file as a hard link entry.
    expect((await run('ln', [join(ctx, 'sub', 'f.txt'), join(ctx, 'sub', 'hard.txt')])).code).toBe(0);
    const tgz = join(work, 'ctx.tar.gz');
    expect((await run('tar', ['-czf', tgz, '-C', ctx, '.'])).code).toBe(0);
    const d = await docker(['build', '-t', 'cli/tar:1', '-'], { input: createReadStream(tgz) });
    expect(d.code, d.stderr).toBe(0);
    const b = await store.berth(['build', '-t', 'cli/tar:1', '-'], { input: createReadStream(tgz) });
    expect(b.code, b.stderr).toBe(0);
    expect(await config('berth', 'cli/tar:1')).toBe(await config('docker', 'cli/tar:1'));
    // An archive context is sent as it is: the size line counts the gzip's bytes.
    expect(b.stdout.split('\n')[0]).toBe(d.stdout.split('\n')[0]);
    const { imageTree } = await import('./support/image-tree.js');
    await dockerOk(['save', '-o', join(work, 'tar-docker.tar'), 'cli/tar:1']);
    await store.ok(['save', '-o', join(work, 'tar-berth.tar'), 'cli/tar:1']);
    const [dt, bt] = [await imageTree(join(work, 'tar-docker.tar')), await imageTree(join(work, 'tar-berth.tar'))];
    expect(bt.get('sub/hard.txt')).toEqual(dt.get('sub/hard.txt'));
    expect(bt.get('sub/f.txt')).toEqual(dt.get('sub/f.txt'));
    // The archive's hard link stays one: the COPY layer holds the bytes once, as docker's does.
    const sizes = async (who: 'docker' | 'berth'): Promise<string> => {
      const args = ['history', '--format', '{{.Size}}', 'cli/tar:1'];
      return who === 'docker' ? dockerOk(args) : store.ok(args);
    };
    expect(await sizes('berth')).toBe(await sizes('docker'));
    const linked = await store.ok(['run', '--rm', 'cli/tar:1', 'stat', '-c', '%h %i', '/sub/f.txt', '/sub/hard.txt']);
    const [first, second] = linked.trim().split('\n');
    expect(first).toMatch(/^2 \d+$/);
    expect(second).toBe(first);
    const fromFile = await store.berth(['build', '-q', tgz]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout.trim()).toBe((await store.ok(['image', 'inspect', '-f', '{{.Id}}', 'cli/tar:1'])).trim());
    // xz and bzip2 contexts, which docker build reads too: the same files, so the same (cached) image.
    for (const [flag, ext] of [['-cJf', 'xz'], ['-cjf', 'bz2']] as const) {
      const packed = join(work, `ctx.tar.${ext}`);
      expect((await run('tar', [flag, packed, '-C', ctx, '.'])).code).toBe(0);
      const viaDocker = await docker(['build', '-q', '-'], { input: createReadStream(packed) });
      expect(viaDocker.code, viaDocker.stderr).toBe(0);
      const viaBerth = await store.berth(['build', '-q', '-'], { input: createReadStream(packed) });
      expect(viaBerth.code, viaBerth.stderr).toBe(0);
      expect(viaBerth.stdout).toBe(fromFile.stdout);
    }
  });

  it('-f is relative to the working directory; -q prints only the image ID', async () => {
    const ctx = join(work, 'fctx');
    await mkdir(join(ctx, 'docker'), { recursive: true });
    await writeFile(join(ctx, 'docker', 'Dockerfile.dev'), `FROM ${BASE}\nENV MODE=dev\n`);
    const b = await store.berth(['build', '-q', '-f', 'docker/Dockerfile.dev', '.'], { cwd: ctx });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/^sha256:[a-f0-9]{64}\n$/);
    const d = await docker(['build', '-q', '-f', 'docker/Dockerfile.dev', '.'], { cwd: ctx });
    expect(d.stdout).toMatch(/^sha256:[a-f0-9]{64}\n$/);
  });

  it('a missing source fails with docker\'s message and exit code 1', async () => {
    const ctx = join(work, 'missing');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), `FROM ${BASE}\nCOPY nope /x\n`);
    const d = await docker(['build', ctx]);
    const b = await store.berth(['build', ctx]);
    expect(b.code).toBe(d.code);
    const last = (s: string): string => s.trim().split('\n').pop()!;
    expect(last(b.stderr)).toBe(last(d.stderr));
    expect(b.stdout.split('\n').filter((l) => l.startsWith('Step '))).toEqual(d.stdout.split('\n').filter((l) => l.startsWith('Step ')));
  });

  it('an empty Dockerfile is refused with the classic builder\'s message, once the context is sent', async () => {
    const ctx = join(work, 'empty-dockerfile');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), '');
    await writeFile(join(ctx, 'other.df'), '');
    for (const args of [[ctx], ['-f', join(ctx, 'other.df'), ctx]]) {
      const b = await store.berth(['build', ...args]);
      const d = await docker(['build', ...args]);
      expect(b.code, args.join(' ')).toBe(1);
      expect(d.code).toBe(1);
      expect(b.stdout).toMatch(/^Sending build context to Docker daemon/);
      // docker prefixes the daemon's answer; berth has no daemon to answer.
      expect(b.stderr.trim()).toBe(d.stderr.trim().split('\n').pop()!.replace(/^Error response from daemon: /, ''));
    }
    const b = await store.berth(['build', '-'], { input: '' });
    const d = await docker(['build', '-'], { input: '' });
    expect(b.stderr.trim()).toBe(d.stderr.trim().split('\n').pop()!.replace(/^Error response from daemon: /, ''));
  });

  it('a context path that does not exist is refused before anything runs', async () => {
    const b = await store.berth(['build', join(work, 'nowhere')]);
    const d = await docker(['build', join(work, 'nowhere')]);
    expect(b.code).toBe(1);
    expect(b.stderr.trim()).toBe(d.stderr.trim().split('\n').pop());
  });

  it('FROM --platform naming another platform than the local image is refused', async () => {
    const ctx = join(work, 'platform');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), `FROM --platform=linux/s390x ${BASE}\n`);
    const b = await store.berth(['build', ctx]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`image with reference ${BASE} was found but does not match the specified platform: wanted linux/s390x`);
  });

  // No oracle here: dockerd 20.10's classic builder refuses heredocs and --chmod (BuildKit only).
  it('COPY heredocs expand ARG/ENV unless quoted, --chmod sets the mode (BuildKit semantics)', async () => {
    const ctx = join(work, 'heredoc');
    await mkdir(ctx, { recursive: true });
    await writeFile(
      join(ctx, 'Dockerfile'),
      `FROM ${BASE}\nARG NAME=world\nENV GREETING=hello\nCOPY <<EOF /expanded.txt\n$GREETING "$NAME"\nEOF\nCOPY --chmod=600 <<"EOT" /etc/raw.conf\nkeep $NAME\nEOT\n`,
    );
    const b = await store.berth(['build', '-t', 'cli/heredoc:1', '--build-arg', 'NAME=berth', ctx]);
    expect(b.code, b.stderr).toBe(0);
    const archive = join(work, 'heredoc.tar');
    await store.ok(['save', '-o', archive, 'cli/heredoc:1']);
    const { imageTree } = await import('./support/image-tree.js');
    const tree = await imageTree(archive);
    const { createHash } = await import('node:crypto');
    const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
    expect(tree.get('expanded.txt')).toMatchObject({ type: 'file', mode: '0644', sha256: sha('hello "berth"\n') });
    expect(tree.get('etc/raw.conf')).toMatchObject({ type: 'file', mode: '0600', sha256: sha('keep $NAME\n') });
  });

  it('a failing RUN prints docker\'s message and exits with the command\'s code; its output streams through', async () => {
    const ctx = join(work, 'runfail');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), `FROM ${BASE}\nRUN echo to-stdout && echo to-stderr >&2 && exit 3\n`);
    const d = await docker(['build', ctx]);
    const b = await store.berth(['build', ctx]);
    expect(b.code).toBe(3);
    expect(b.code).toBe(d.code);
    const last = (s: string): string => s.trim().split('\n').pop()!;
    expect(last(b.stderr)).toBe(last(d.stderr));
    expect(b.stdout).toContain('to-stdout\n');
    expect(b.stderr).toContain('to-stderr\n');
  });

  it('RUN heredocs run as the script (BuildKit semantics; the classic builder has none)', async () => {
    const ctx = join(work, 'runheredoc');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), `FROM ${BASE}\nRUN <<EOF\necho one > /one\necho two > /two\nEOF\nRUN cat <<EOT > /three\nthree\nEOT\n`);
    const b = await store.berth(['build', '-t', 'cli/runheredoc:1', ctx]);
    expect(b.code, b.stderr).toBe(0);
    const archive = join(work, 'runheredoc.tar');
    await store.ok(['save', '-o', archive, 'cli/runheredoc:1']);
    const { imageTree } = await import('./support/image-tree.js');
    const tree = await imageTree(archive);
    const { createHash } = await import('node:crypto');
    const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
    expect(tree.get('one')?.sha256).toBe(sha('one\n'));
    expect(tree.get('two')?.sha256).toBe(sha('two\n'));
    expect(tree.get('three')?.sha256).toBe(sha('three\n'));
  });

  // No oracle: the Dockerfile-specific ignore file is read by BuildKit, not by the classic builder's CLI.
  it('<name>.Dockerfile.dockerignore beside the Dockerfile wins over the root .dockerignore', async () => {
    const ctx = join(work, 'ignore-specific');
    await mkdir(join(ctx, 'docker'), { recursive: true });
    await writeFile(join(ctx, 'docker', 'app.Dockerfile'), `FROM ${BASE}\nCOPY . /ctx\n`);
    await writeFile(join(ctx, 'docker', 'app.Dockerfile.dockerignore'), 'secret.txt\ndocker\n');
    await writeFile(join(ctx, '.dockerignore'), 'public.txt\n');
    await writeFile(join(ctx, 'secret.txt'), 's\n');
    await writeFile(join(ctx, 'public.txt'), 'p\n');
    const b = await store.berth(['build', '-t', 'cli/ignore:1', '-f', join(ctx, 'docker', 'app.Dockerfile'), ctx]);
    expect(b.code, b.stderr).toBe(0);
    await store.ok(['save', '-o', join(work, 'ignore.tar'), 'cli/ignore:1']);
    const { imageTree } = await import('./support/image-tree.js');
    const tree = await imageTree(join(work, 'ignore.tar'));
    expect(tree.has('ctx/public.txt')).toBe(true);
    expect(tree.has('ctx/secret.txt')).toBe(false);
    expect(tree.has('ctx/docker')).toBe(false);
    expect(tree.has('ctx/.dockerignore')).toBe(true);
  });

  // No oracle: ADD --checksum is BuildKit's (the Dockerfile reference documents it).
  it('ADD --checksum accepts the right digest, refuses a wrong one and a local source', async () => {
    const { createServer } = await import('node:http');
    const { createHash } = await import('node:crypto');
    const body = 'checked payload\n';
    const server = createServer((_req, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const ctx = join(work, 'checksum');
      await mkdir(ctx, { recursive: true });
      await writeFile(join(ctx, 'local.txt'), 'l\n');
      const good = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const bad = `sha256:${'0'.repeat(64)}`;
      const build = async (line: string) => {
        await writeFile(join(ctx, 'Dockerfile'), `FROM ${BASE}\n${line}\n`);
        return store.berth(['build', '-q', ctx]);
      };
      expect((await build(`ADD --checksum=${good} http://127.0.0.1:${port}/p.txt /p.txt`)).code).toBe(0);
      const wrong = await build(`ADD --checksum=${bad} http://127.0.0.1:${port}/p.txt /p.txt`);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(`digest mismatch ${bad}: ${good}`);
      const local = await build(`ADD --checksum=${good} local.txt /l.txt`);
      expect(local.code).toBe(1);
      expect(local.stderr).toContain("checksum can't be specified for non-HTTP(S) sources");
    } finally {
      server.close();
    }
  });
});

describe('berth build pulls what FROM names, as the classic builder does', () => {
  it("pulls a missing base with docker's lines; --pull asks again; --network none; --iidfile", async () => {
    const reg = await startRegistry({ auth: 'none' });
    try {
      const remote = `${reg.host}/base/busybox:1`;
      await store.ok(['tag', BASE, remote]);
      await store.ok(['push', '-q', remote]);
      await store.ok(['rmi', remote]);
      const ctx = join(work, 'pullctx');
      await mkdir(ctx, { recursive: true });
      await writeFile(join(ctx, 'Dockerfile'), `FROM ${remote}\nRUN ls /sys/class/net > /nets\n`);
      const pullLines = (out: string): string[] => out.split('\n').filter((l) => /^(Digest|Status): |: Pulling from /.test(l));

      const d = await docker(['build', '-t', 'cli/pulled:1', ctx]);
      expect(d.code, d.stderr).toBe(0);
      const iid = join(work, 'iid');
      await writeFile(iid, 'stale');
      const b = await store.berth(['build', '--network', 'none', '--iidfile', iid, '-t', 'cli/pulled:1', ctx]);
      expect(b.code, b.stderr).toBe(0);
      expect(pullLines(b.stdout)).toContain(`Status: Downloaded newer image for ${remote}`);
      expect(pullLines(b.stdout)).toEqual(pullLines(d.stdout));
      expect(await readFile(iid, 'utf8')).toBe((await store.ok(['image', 'inspect', '-f', '{{.Id}}', 'cli/pulled:1'])).trim());
      // --network none: the RUN step saw only the loopback interface.
      expect(await store.ok(['run', '--rm', 'cli/pulled:1', 'cat', '/nets'])).toBe('lo\n');

      // --pull with the base present: the registry is asked, and says it is up to date.
      const dAgain = await docker(['build', '--pull', '-t', 'cli/pulled:2', ctx]);
      const bAgain = await store.berth(['build', '--pull', '-t', 'cli/pulled:2', ctx]);
      expect(bAgain.code, bAgain.stderr).toBe(0);
      expect(pullLines(bAgain.stdout).at(-1)).toBe(`Status: Image is up to date for ${remote}`);
      expect(pullLines(bAgain.stdout)).toEqual(pullLines(dAgain.stdout));

      // --pull of a base no registry has fails, as docker's does; the iidfile of the last build goes.
      const local = join(work, 'localctx');
      await mkdir(local, { recursive: true });
      await writeFile(join(local, 'Dockerfile'), `FROM ${reg.host}/nobody/here:1\n`);
      const failed = await store.berth(['build', '--pull', '--iidfile', iid, local]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/not found|manifest unknown/i);
      expect(await readFile(iid, 'utf8').catch(() => 'gone')).toBe('gone');
    } finally {
      await reg.stop();
    }
  });
});
