// `user`, `user:group`, `uid[:gid]` resolved against a rootfs's /etc/passwd and /etc/group the
// way runc's libcontainer/user does (and so Docker): names must exist, numbers need not. The
// runtime uses it for processes, `docker cp -a` for the owner of what it copies in.
import { readFile } from 'node:fs/promises';
import { BerthError } from '../errors.js';
import { resolveInRoot } from './root-path.js';

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

async function readTable(root: string, path: string): Promise<string[][]> {
  const text = await readFile(await resolveInRoot(root, path), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.split(':'));
}

const numeric = (s: string): number | undefined => (/^\d+$/.test(s) && Number(s) <= 0x7fffffff ? Number(s) : undefined);

export async function resolveUser(root: string, spec: string): Promise<ExecUser> {
  const [userArg = '', groupArg] = spec.split(/:(.*)/s, 2) as [string, string | undefined];
  const passwd: PasswdEntry[] = (await readTable(root, '/etc/passwd')).map((f) => ({
    name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '',
  }));
  const uidArg = numeric(userArg);
  const name = userArg === '' ? 'root' : userArg;
  const entry = passwd.find((p) => p.name === name || (uidArg !== undefined && p.uid === uidArg)) ?? (userArg === '' ? passwd.find((p) => p.uid === 0) : undefined);
  let user: ExecUser;
  if (entry) user = { uid: entry.uid, gid: entry.gid, additionalGids: [], home: entry.home || '/' };
  else if (userArg === '') user = { uid: 0, gid: 0, additionalGids: [], home: '/' };
  else if (uidArg !== undefined) user = { uid: uidArg, gid: 0, additionalGids: [], home: '/' };
  else throw new BerthError('ERR_INVALID_ARGUMENT', `unable to find user ${userArg}: no matching entries in passwd file`);

  const groups: GroupEntry[] = (await readTable(root, '/etc/group')).map((f) => ({
    name: f[0] ?? '', gid: Number(f[2]), members: (f[3] ?? '').split(',').filter((m) => m !== ''),
  }));
  if (groupArg !== undefined && groupArg !== '') {
    const gidArg = numeric(groupArg);
    const group = groups.find((g) => g.name === groupArg || (gidArg !== undefined && g.gid === gidArg));
    if (group) user.gid = group.gid;
    else if (gidArg !== undefined) user.gid = gidArg;
    else throw new BerthError('ERR_INVALID_ARGUMENT', `unable to find group ${groupArg}: no matching entries in group file`);
  } else if (entry) {
    // Supplementary groups come from membership lists, only when no group was named.
    user.additionalGids = [...new Set(groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid))].filter((g) => g !== user.gid);
  }
  return user;
}
