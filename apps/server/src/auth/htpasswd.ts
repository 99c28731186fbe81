// An `htpasswd -B` file: user → bcrypt hash, as distribution's htpasswd auth reads it. The file is
// read again when it changes (checked at most every 2 s), so adding a user needs no restart.
// A verified password is remembered briefly by a hash of user and password (never the password),
// since Basic auth sends it with every request and bcrypt costs milliseconds each time.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { BerthError } from '@berth/core';

const RECHECK_MS = 2_000;
const VERIFIED_TTL_MS = 60_000;
/** Compared against for unknown users, so the answer takes as long as for a known one. */
const DUMMY_HASH = bcrypt.hashSync('berthd', 5);

export function parseHtpasswd(text: string, file: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (colon <= 0 || !/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
      // The line may hold a password in some other form: say where, never what.
      throw new BerthError('ERR_INVALID_ARGUMENT', `${file}:${i + 1}: not a bcrypt entry (create the file with \`htpasswd -B\`)`);
    }
    users.set(user, hash);
  }
  return users;
}

export class Htpasswd {
  private users = new Map<string, string>();
  private mtimeMs = -1;
  private checkedAt = 0;
  private readonly verified = new Map<string, number>();

  private constructor(readonly file: string) {}

  static async open(file: string): Promise<Htpasswd> {
    const h = new Htpasswd(file);
    await h.reload();
    return h;
  }

  private async reload(): Promise<void> {
    const s = await stat(this.file).catch((err: NodeJS.ErrnoException) => {
      throw new BerthError('ERR_INVALID_ARGUMENT', `htpasswd file ${this.file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
    this.checkedAt = Date.now();
    if (s.mtimeMs === this.mtimeMs) return;
    this.users = parseHtpasswd(await readFile(this.file, 'utf8'), this.file);
    this.mtimeMs = s.mtimeMs;
    this.verified.clear();
  }

  /** A file that became unreadable or malformed keeps its last good content. */
  private async fresh(): Promise<void> {
    if (Date.now() - this.checkedAt > RECHECK_MS) await this.reload().catch(() => undefined);
  }

  async has(user: string): Promise<boolean> {
    await this.fresh();
    return this.users.has(user);
  }

  /** True when `password` is `user`'s. */
  async verify(user: string, password: string): Promise<boolean> {
    await this.fresh();
    const hash = this.users.get(user);
    if (hash === undefined) return bcrypt.compare(password, DUMMY_HASH).then(() => false);
    const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('base64');
    const until = this.verified.get(key);
    if (until !== undefined && until > Date.now()) return true;
    if (!(await bcrypt.compare(password, hash))) return false;
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(key, Date.now() + VERIFIED_TTL_MS);
    return true;
  }
}
