// ADD <url>: the file is downloaded for the build (streamed to disk, never held in memory) and
// copied with mode 0600, as the classic builder's downloadSource does; its name is the URL's last
// path segment (or Content-Disposition's filename).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, interceptors, request } from 'undici';
import { BerthError } from '@berth/core';
import type { CopyInfo } from './copy-plan.js';
import type { SourceFs } from './source-fs.js';

let downloads = 0;
let agent: ReturnType<Agent['compose']> | undefined;

/** One connection pool for the build's downloads, following redirects as docker's http.Get does. */
function redirecting(): ReturnType<Agent['compose']> {
  agent ??= new Agent().compose(interceptors.redirect({ maxRedirections: 10 }));
  return agent;
}

function filenameFor(url: URL, disposition: string | undefined): string {
  const last = url.pathname.split('/').pop() ?? '';
  if (last !== '') return decodeURIComponent(last);
  const m = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition) : null;
  if (m?.[1]) return m[1];
  throw new BerthError('ERR_BUILD', `cannot determine filename from url: ${url.href}`);
}

/** `checksum`: ADD --checksum=sha256:… (the Dockerfile reference): the download must have that digest. */
export async function downloadSource(src: string, tmpDir: string, fs: SourceFs, checksum = ''): Promise<CopyInfo> {
  if (checksum !== '' && !/^sha256:[a-f0-9]{64}$/.test(checksum)) throw new BerthError('ERR_BUILD', `invalid checksum ${checksum}: only sha256:<64 hex> is supported`);
  const url = new URL(src);
  const res = await request(url, { method: 'GET', dispatcher: redirecting() });
  if (res.statusCode >= 400) {
    res.body.resume();
    throw new BerthError('ERR_BUILD', `failed to GET ${src} with status ${res.statusCode}`);
  }
  const header = (n: string): string | undefined => {
    const v = res.headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  const name = filenameFor(url, header('content-disposition'));
  const dir = join(tmpDir, `dl${++downloads}`);
  await mkdir(dir);
  const out = join(dir, 'file');
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(res.body as unknown as Readable, tap, createWriteStream(out, { mode: 0o600 }));
  const lm = header('last-modified');
  const mtime = lm && !Number.isNaN(Date.parse(lm)) ? new Date(lm) : new Date(0);
  const digest = hash.digest('hex');
  if (checksum !== '' && checksum !== `sha256:${digest}`) throw new BerthError('ERR_BUILD', `ADD failed: digest mismatch ${checksum}: sha256:${digest}`);
  return {
    origPath: name,
    path: name,
    node: { type: 'file', mode: 0o600, uid: 0, gid: 0, mtime, size, hostPath: out },
    fs,
    // docker's history shows a URL source's checksum bare, without `file:`.
    hash: `${createHash('sha256').update(`${name}\u0000600\u0000${digest}`).digest('hex')}`,
    decompress: false,
  };
}
