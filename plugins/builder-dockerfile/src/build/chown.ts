// --chown=user:group for COPY/ADD, resolved as the classic builder does (moby
// builder/dockerfile/internals_linux.go): numbers are taken as they are, names are looked up in
// the image's own /etc/passwd and /etc/group; a missing group part means the user part.
import { BerthError } from '@berth/core';
import type { ImageFs } from './image-fs.js';
import type { Identity } from './copy-plan.js';
import { readImageFile } from './layer-tar.js';

function lookup(text: string | undefined, name: string, kind: 'user' | 'group', file: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  if (text === undefined) throw new BerthError('ERR_BUILD', `unable to find ${kind} ${name}: no such file or directory (${file})`);
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 3) return Number(kind === 'user' ? f[2] : f[2]);
  }
  throw new BerthError('ERR_BUILD', `unable to find ${kind} ${name}: no matching entries in ${kind === 'user' ? 'passwd' : 'group'} file`);
}

export async function resolveChown(chown: string, fs: ImageFs, tmpDir: string): Promise<Identity> {
  const i = chown.indexOf(':');
  const user = i < 0 ? chown : chown.slice(0, i);
  const group = i < 0 ? chown : chown.slice(i + 1);
  const numeric = /^\d+$/.test(user) && /^\d+$/.test(group);
  const passwd = numeric ? undefined : (await readImageFile(fs, '/etc/passwd', tmpDir))?.toString('utf8');
  const groups = numeric ? undefined : (await readImageFile(fs, '/etc/group', tmpDir))?.toString('utf8');
  return { uid: lookup(passwd, user, 'user', '/etc/passwd'), gid: lookup(groups, group, 'group', '/etc/group') };
}

/** --chmod: an octal mode (BuildKit accepts only octal; the classic builder refuses the flag). */
export function parseChmod(chmod: string): number {
  if (!/^[0-7]{1,4}$/.test(chmod)) throw new BerthError('ERR_BUILD', `invalid chmod parameter: ${chmod}`);
  return parseInt(chmod, 8);
}
