// `berth cp` against `docker cp` on the suite's dockerd: the same copies, both ways, from and to
// the same busybox containers, and the resulting trees compared (names, types, modes, owners, link
// targets, hard links, contents); `-` tar streams both ways; and the errors, in docker's words.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile, chmod, chown, link } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfs, requirePeer, rootfsTar, run, type RunOptions, type RunResult } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { docker } from './support/docker.js';

const BASE = 'berth-cp/busybox:1';
// The container's tree: modes, an owner, a relative and an absolute symlink, a link to a
// directory, a hard link, and a link that climbs out of any directory it is copied into.
const MAKE = [
  'mkdir -p /out/sub /tmp/c /a/b',
  'echo a > /out/a.txt && echo b > /out/sub/b.txt && echo x > /tmp/c/existing',
  'chmod 640 /out/a.txt && chmod 700 /out/sub && busybox chown 123:456 /out/a.txt',
  'ln -s a.txt /out/link && ln -s /out /outlink && ln /out/sub/b.txt /out/hard',
  'ln -s ../../../escape /a/b/up',
].join(' && ');
const CLIS = ['berth', 'docker'] as const;
type Cli = (typeof CLIS)[number];

let work: string;
let store: Store;
let src: string;

function cli(who: Cli, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return who === 'berth' ? store.berth(args, options) : docker(args, options);
}

async function ok(who: Cli, args: string[], options: RunOptions = {}): Promise<string> {
  const r = await cli(who, args, options);
  if (r.code !== 0) throw new Error(`${who} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** A host tree, one line a path: type, mode, owner, link target or content hash and link count. */
async function hostTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const p = join(root, rel);
    const st = await lstat(p);
    const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
    const what = st.isSymbolicLink() ? `-> ${await readlink(p)}` : st.isFile() ? `${createHash('sha256').update(await readFile(p)).digest('hex').slice(0, 16)} links=${st.nlink}` : '';
    out.push(`${rel || '.'} ${type} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${what}`.trimEnd());
    if (st.isDirectory()) for (const n of (await readdir(p)).sort()) await walk(rel ? `${rel}/${n}` : n);
  };
  await walk('');
  return out;
}

/** A tar's entries, one line each, names without `./`, `/` or a trailing `/`; only those under `prefix`. */
async function tarTree(file: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const ex = extract();
  ex.on('entry', (h, body, next) => {
    const name = h.name.replace(/^(\.?\/)+/, '').replace(/\/+$/, '') || '.';
    const hash = createHash('sha256');
    body.on('data', (c: Buffer) => hash.update(c));
    body.on('end', () => {
      if (name === prefix || name.startsWith(`${prefix}/`) || prefix === '') {
        const what = h.type === 'file' ? hash.digest('hex').slice(0, 16) : h.linkname ? `-> ${h.linkname.replace(/^(\.?\/)+/, '')}` : '';
        out.push(`${name} ${h.type} ${((h.mode ?? 0) & 0o7777).toString(8)} ${h.uid}:${h.gid} ${what}`.trimEnd());
      }
      next();
    });
  });
  await pipeline(createReadStream(file), ex);
  return out.sort();
}

beforeAll(async () => {
  requirePeer('runc');
  work = await mkdtemp(join(tmpdir(), 'cp-'));
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'busybox.tar'));
  store = await newStore('berth-cp-');
  for (const who of CLIS) {
    await ok(who, ['import', '-c', 'CMD ["sh"]', tar, BASE]);
    await ok(who, ['run', '--name', 'cpt-src', BASE, 'sh', '-c', MAKE]);
  }
  // The host's tree to copy in: owners that are not root, modes, links of every kind.
  src = join(work, 'src');
  await mkdir(join(src, 'd/sub'), { recursive: true });
  await writeFile(join(src, 'd/f'), 'one\n');
  await writeFile(join(src, 'd/sub/g'), 'two\n');
  await writeFile(join(src, 'single'), 'three\n');
  await chmod(join(src, 'd/f'), 0o604);
  await chmod(join(src, 'd/sub'), 0o750);
  await symlink('f', join(src, 'd/l'));
  await link(join(src, 'd/f'), join(src, 'd/hard'));
  await symlink('d', join(src, 'dl'));
  await symlink('single', join(src, 'sl'));
  for (const p of ['d', 'd/f', 'd/sub', 'd/sub/g', 'single']) await chown(join(src, p), 1234, 5678);
}, 180_000);

afterAll(async () => {
  for (const n of ['cpt-src', 'cpt-in', 'cpt-user']) await docker(['rm', '-f', n]);
  await docker(['rmi', '-f', BASE]);
  // Containers go through berth first, so their mounts go with them.
  const left = store ? (await store.berth(['ps', '-aq'])).stdout.split('\n').filter(Boolean) : [];
  if (left.length > 0) await store.berth(['rm', '-f', ...left]);
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('berth cp out of a container, as docker cp', () => {
  it('a directory, a file, a rename, `dir/.`, symlinks with and without -L, into a directory and over a file: the same trees', async () => {
    const copies: [string[], string][] = [
      [['cpt-src:/out'], 'out'],
      [['cpt-src:/out/a.txt'], 'a'],
      [['cpt-src:/out/.'], 'contents'],
      [['cpt-src:/out'], 'existing/'],
      [['cpt-src:/out/'], 'existing'],
      [['cpt-src:/out/sub/b.txt'], 'existing/file'],
      [['cpt-src:/out/a.txt'], 'existing/file'],
      [['cpt-src:/outlink'], 'l1'],
      [['cpt-src:/outlink/'], 'l2'],
      [['-L', 'cpt-src:/outlink'], 'l3'],
      [['-L', 'cpt-src:/out/link'], 'l4'],
      [['-L', 'cpt-src:/out/link'], 'existing'],
      [['cpt-src:/out/link'], 'l5'],
      [['-a', 'cpt-src:/out/sub'], 'archive'],
    ];
    const trees: Record<string, string[]> = {};
    for (const who of CLIS) {
      const dir = join(work, `out-${who}`);
      await mkdir(join(dir, 'existing'), { recursive: true });
      await writeFile(join(dir, 'existing/file'), 'old');
      for (const [from, to] of copies) {
        const r = await cli(who, ['cp', ...from, join(dir, to)]);
        expect(r.code, `${who} cp ${from.join(' ')} ${to}: ${r.stderr}`).toBe(0);
        // Quiet when stdout is not a terminal, as docker is.
        expect(r.stdout + r.stderr).toBe('');
      }
      trees[who] = await hostTree(dir);
    }
    expect(trees['berth']).toEqual(trees['docker']);
    // What the comparison rests on: the hard link, the mode and the followed links made it.
    expect(trees['berth']).toContain('out/a.txt file 640 0:0 87428fc522803d31 links=1');
    expect(trees['berth']).toContain('out/hard file 644 0:0 0263829989b6fd95 links=2');
    expect(trees['berth']).toContain('l1 symlink 777 0:0 -> /out');
    expect(trees['berth']).toContain('l4 file 640 0:0 87428fc522803d31 links=1');
    expect(trees['berth']).toContain('existing/link file 640 0:0 87428fc522803d31 links=1');
    expect(trees['berth']).toContain('contents/sub dir 700 0:0');
  });

  it('`-` writes the tar to stdout: the same entries, owners and contents as docker\'s', async () => {
    const lists: Record<string, string[][]> = {};
    for (const who of CLIS) {
      lists[who] = [];
      for (const path of ['/out', '/out/a.txt', '/out/.', '/outlink']) {
        const file = join(work, `stdout-${who}.tar`);
        const r = await cli(who, ['cp', `cpt-src:${path}`, '-'], { stdout: createWriteStream(file) });
        expect(r.code, r.stderr).toBe(0);
        lists[who]!.push(await tarTree(file));
      }
    }
    expect(lists['berth']).toEqual(lists['docker']);
    expect(lists['berth']![0]).toContain('out/a.txt file 640 123:456 87428fc522803d31');
  });
});

describe('berth cp into a container, as docker cp', () => {
  it('a directory, a file, renames, `dir/.`, symlinks with and without -L, a `-` tar on stdin, -a: the same trees in the container', async () => {
    const stdinTar = join(work, 'stdin.tar');
    expect((await run('tar', ['-C', src, '--owner=42', '--group=43', '--numeric-owner', '-cf', stdinTar, 'd'])).code).toBe(0);
    const copies: string[][] = [
      ['d', 'cpt-in:/tmp/c/new'],
      ['d', 'cpt-in:/tmp/c/'],
      ['d/.', 'cpt-in:/tmp/c/dot'],
      ['d/.', 'cpt-in:/tmp/c/d'],
      ['single', 'cpt-in:/tmp/c/'],
      ['single', 'cpt-in:/tmp/c/existing'],
      ['single', 'cpt-in:/tmp/c/renamed'],
      ['sl', 'cpt-in:/tmp/c/'],
      ['-L', 'sl', 'cpt-in:/tmp/c/followed'],
      ['dl', 'cpt-in:/tmp/c/'],
      ['-L', 'dl', 'cpt-in:/tmp/c/dirfollowed'],
      ['dl/', 'cpt-in:/tmp/c/dirslash'],
      ['-a', 'd', 'cpt-in:/tmp/c/archived'],
      ['-', 'cpt-in:/tmp/c/new'],
      ['-a', 'd', 'cpt-user:/tmp/c/archived'],
      ['d', 'cpt-user:/tmp/c/kept'],
    ];
    const trees: Record<string, string[]> = {};
    for (const who of CLIS) {
      await ok(who, ['run', '--name', 'cpt-in', BASE, 'sh', '-c', 'mkdir /tmp/c && echo x > /tmp/c/existing']);
      await ok(who, ['run', '-u', 'nobody', '--name', 'cpt-user', BASE, 'sh', '-c', 'mkdir /tmp/c']);
      for (const args of copies) {
        const r = await cli(who, ['cp', ...args], { cwd: src, ...(args[0] === '-' ? { input: await readFile(stdinTar) } : {}) });
        expect(r.code, `${who} cp ${args.join(' ')}: ${r.stderr}`).toBe(0);
        expect(r.stdout + r.stderr).toBe('');
      }
      // Read back through export, not through cp: the copy in is judged on its own.
      const lines: string[] = [];
      for (const c of ['cpt-in', 'cpt-user']) {
        const file = join(work, `export-${who}.tar`);
        await ok(who, ['export', '-o', file, c]);
        lines.push(...(await tarTree(file, 'tmp/c')).map((l) => `${c} ${l}`));
        await ok(who, ['rm', c]);
      }
      trees[who] = lines;
    }
    expect(trees['berth']).toEqual(trees['docker']);
    // Without -a, and with -a but no container user, the host's owners stay (docker does so,
    // whatever its docs say); with -a and a user, everything is that user's.
    expect(trees['berth']).toContain('cpt-in tmp/c/new/f file 604 1234:5678 2c8b08da5ce60398');
    expect(trees['berth']).toContain('cpt-in tmp/c/archived/f file 604 1234:5678 2c8b08da5ce60398');
    expect(trees['berth']).toContain('cpt-user tmp/c/archived/f file 604 65534:65534 2c8b08da5ce60398');
    expect(trees['berth']).toContain('cpt-user tmp/c/kept/f file 604 1234:5678 2c8b08da5ce60398');
    // The `-` tar from stdin went into the first copy of `d`, with its own owners.
    expect(trees['berth']).toContain('cpt-in tmp/c/new/d/sub/g file 644 42:43 27dd8ed44a83ff94');
    expect(trees['berth']).toContain('cpt-in tmp/c/sl symlink 777 0:0 -> single');
    expect(trees['berth']).toContain('cpt-in tmp/c/followed file 644 1234:5678 f6936912184481f5');
  });
});

describe('berth cp errors, worded as docker\'s', () => {
  it('each failure prints docker\'s message (without "Error response from daemon: ") and exits 1', async () => {
    await ok('berth', ['run', '--name', 'cpt-in', BASE, 'true']);
    await ok('docker', ['create', '--name', 'cpt-in', BASE]);
    await writeFile(join(work, 'hostfile'), 'h');
    const cases: string[][] = [
      ['cpt-src:/nope', join(work, 'n')],
      ['cpt-nosuch:/x', join(work, 'n')],
      [join(work, 'hostfile'), join(work, 'n')],
      ['cpt-src:/a', 'cpt-in:/b'],
      ['cpt-src:/out/a.txt', `${join(work, 'nodir')}/`],
      ['cpt-src:/out', join(work, 'a/b/c')],
      ['cpt-src:/out', join(work, 'hostfile')],
      ['cpt-src:/out/a.txt', join(work, 'hostfile/x')],
      ['cpt-src:/out/a.txt', '/dev/null'],
      ['cpt-src:/a/b/up', join(work)],
      [join(work, 'hostfile'), 'cpt-in:/nodir/'],
      [join(work, 'hostfile'), 'cpt-in:/nodir/x'],
      [join(src, 'd'), 'cpt-src:/out/a.txt'],
      [join(src, 'single'), 'cpt-src:/out/a.txt/x'],
      [join(work, 'nope'), 'cpt-in:/tmp'],
      ['-', 'cpt-src:/out/a.txt'],
      ['-', 'cpt-in:/nodir'],
      ['', 'cpt-in:/tmp'],
      [join(work, 'hostfile'), ''],
    ];
    const seen: string[] = [];
    for (const args of cases) {
      const b = await cli('berth', ['cp', ...args], { input: '' });
      const d = await cli('docker', ['cp', ...args], { input: '' });
      // docker logs its tar writer's broken pipe on some refusals: the message is the last line.
      const want = d.stderr.trim().split('\n').pop()!.replace(/^Error response from daemon: /, '');
      expect({ args, code: b.code, stderr: b.stderr }).toEqual({ args, code: d.code, stderr: `Error: ${want}\n` });
      seen.push(want);
    }
    expect(seen).toContain('Could not find the file /nope in container cpt-src');
    expect(seen).toContain(`invalid symlink "${work}/up" -> "../../../escape"`);
    expect(seen).toContain('copying between containers is not supported');
    await ok('berth', ['rm', 'cpt-in']);
    await ok('docker', ['rm', 'cpt-in']);
  });
});
