#!/usr/bin/env node
// The main job on the embedded default store (no config): make a tiny rootfs, import it, list it,
// show its history, save it, remove it, load it back. Uses busybox-static when installed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, copyFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The `berth` command as npm installs it.
const berth = join(import.meta.dirname, '..', 'apps', 'cli', 'bin', 'berth');
const work = mkdtempSync(join(tmpdir(), 'berth-demo-'));
const rootfs = join(work, 'rootfs');
mkdirSync(join(rootfs, 'bin'), { recursive: true });
mkdirSync(join(rootfs, 'etc'));
writeFileSync(join(rootfs, 'etc', 'motd'), 'hello from berth\n');
if (existsSync('/bin/busybox')) {
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  for (const applet of ['sh', 'echo', 'cat', 'ls']) symlinkSync('busybox', join(rootfs, 'bin', applet));
}
const tar = join(work, 'rootfs.tar');
execFileSync('tar', ['-C', rootfs, '-cf', tar, '.']);

const run = (...args) => {
  console.log(`$ berth ${args.map((a) => (/[\s"{}[\]]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  execFileSync(berth, args, { stdio: 'inherit' });
};
try {
  run('import', '-m', 'berth demo', '-c', 'CMD ["/bin/sh"]', tar, 'berth-demo:latest');
  run('images', 'berth-demo');
  run('history', 'berth-demo');
  run('save', '-o', join(work, 'demo.tar'), 'berth-demo');
  run('rmi', 'berth-demo');
  run('load', '-i', join(work, 'demo.tar'));
  run('image', 'inspect', '--format', '{{.Id}} {{.Os}}/{{.Architecture}} {{.Config.Cmd}}', 'berth-demo');
  run('system', 'df');
} finally {
  rmSync(work, { recursive: true, force: true });
}
