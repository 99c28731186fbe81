// Where `import` reads from: `-` (stdin), an http(s) URL (streamed, never buffered), or a file.
// Docker's CLI streams a file as the request body, so its history says "Imported from -".
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BerthError } from '@berth/core';

export async function openImportSource(arg: string): Promise<{ stream: Readable; source: string }> {
  if (arg === '-') {
    if (process.stdin.isTTY) throw new BerthError('ERR_INVALID_ARGUMENT', 'requested import from stdin, but stdin is a terminal');
    return { stream: process.stdin, source: '-' };
  }
  if (/^https?:\/\//i.test(arg)) {
    const res = await fetch(arg, { redirect: 'follow' });
    if (!res.ok || !res.body) throw new BerthError('ERR_IO', `import from ${arg}: the server answered ${res.status} ${res.statusText}`);
    return { stream: Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), source: arg };
  }
  const info = await stat(arg).catch(() => undefined);
  if (!info) throw new BerthError('ERR_INVALID_ARGUMENT', `open ${arg}: no such file or directory`);
  if (!info.isFile()) throw new BerthError('ERR_INVALID_ARGUMENT', `${arg} is not a file`);
  return { stream: createReadStream(arg), source: '-' };
}
