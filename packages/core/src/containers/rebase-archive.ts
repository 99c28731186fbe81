// moby's archive.RebaseArchiveEntries: a tar passed through with its top name replaced, so that
// `docker cp a.txt c:/b.txt` extracts `b.txt`. Streamed entry by entry, bodies never held.
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, pack as tarPack, type Header } from 'tar-stream';

/** `name` with its first component `from` replaced by `to` (moby replaces only the first occurrence too). */
export function rebaseName(name: string, from: string, to: string): string {
  // The root as the old base (`/…` from dockerd, `./…` from berth): the new base goes in front.
  if (from === '/') {
    const rest = name.replace(/^(\.?\/+)+/, '').replace(/^\.$/, '');
    return rest === '' ? to : `${to}/${rest}`;
  }
  if (name === from) return to;
  return name.startsWith(`${from}/`) ? `${to}${name.slice(from.length)}` : name;
}

/** The tar `input` with every entry under `from` renamed to be under `to` (hard link targets too). */
export function rebaseArchiveEntries(input: Readable, from: string, to: string): Readable {
  const out = new PassThrough();
  const pack = tarPack();
  const extract = tarExtract();
  extract.on('entry', (header: Header, body, next) => {
    const renamed: Header = { ...header, name: rebaseName(header.name, from, to) };
    if (header.type === 'link' && header.linkname) renamed.linkname = rebaseName(header.linkname, from, to);
    const entry = pack.entry(renamed, (err) => next(err ?? undefined));
    // Either end destroyed mid-entry errors both streams; the pipelines below report it once.
    body.on('error', () => {});
    entry.on('error', () => {});
    body.pipe(entry);
  });
  extract.on('finish', () => pack.finalize());
  // Either side failing ends the output with that error; the reader's end stops both.
  Promise.all([pipeline(input, extract), pipeline(pack as unknown as Readable, out)]).catch((err: unknown) => {
    pack.destroy();
    extract.destroy();
    out.destroy(err as Error);
  });
  return out;
}
