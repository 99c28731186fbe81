// The header blocks of a deterministic tar (ustar, with a PAX record only where ustar cannot say
// it): no atime/ctime, no user names, records in a fixed order. Our own encoder rather than
// tar-stream's pack, which writes PAX values as UTF-8 text and so mangles binary xattrs
// (security.capability) and silently truncates large uids.
export type TarType = 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';

export interface TarEntry {
  /** Relative path without a trailing slash (added for directories). */
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of a regular file's body; 0 for everything else. */
  size: number;
  /** Seconds since the epoch (whole: sub-second times are not written). */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: ReadonlyMap<string, Buffer>;
}

const TYPEFLAG: Record<TarType, string> = {
  file: '0', link: '1', symlink: '2', 'character-device': '3', 'block-device': '4', directory: '5', fifo: '6',
};

export const TAR_END = Buffer.alloc(1024);

/** Zero bytes that complete a body of `size` bytes to a 512-byte block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

/** The header block(s) of one entry: a PAX extended header first when needed. */
export function tarHeader(e: TarEntry): Buffer {
  const name = e.type === 'directory' ? `${e.name}/` : e.name;
  const pax: Array<[string, Buffer]> = [];
  const split = splitName(name);
  if (split === undefined) pax.push(['path', Buffer.from(name)]);
  const linkname = e.linkname ?? '';
  if (!fitsAscii(linkname, 100)) pax.push(['linkpath', Buffer.from(linkname)]);
  if (e.size > 0o77777777777) pax.push(['size', Buffer.from(String(e.size))]);
  if (e.uid > 0o7777777) pax.push(['uid', Buffer.from(String(e.uid))]);
  if (e.gid > 0o7777777) pax.push(['gid', Buffer.from(String(e.gid))]);
  const mtime = Math.max(0, Math.min(Math.floor(e.mtime), 0o77777777777));
  for (const [key, value] of [...(e.xattrs ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) pax.push([`SCHILY.xattr.${key}`, value]);
  const main = ustar({
    name: split ?? { prefix: '', name: asciiCut(name, 100) },
    mode: e.mode & 0o7777,
    uid: Math.min(e.uid, 0o7777777),
    gid: Math.min(e.gid, 0o7777777),
    size: e.type === 'file' ? Math.min(e.size, 0o77777777777) : 0,
    mtime,
    typeflag: TYPEFLAG[e.type],
    linkname: asciiCut(linkname, 100),
    devmajor: e.devmajor ?? 0,
    devminor: e.devminor ?? 0,
  });
  if (pax.length === 0) return main;
  const body = Buffer.concat(pax.map(([k, v]) => paxRecord(k, v)));
  const paxHeader = ustar({
    name: { prefix: '', name: 'PaxHeader' }, mode: 0o644, uid: 0, gid: 0, size: body.length, mtime, typeflag: 'x', linkname: '', devmajor: 0, devminor: 0,
  });
  return Buffer.concat([paxHeader, body, tarPadding(body.length), main]);
}

/** `<len> <key>=<value>\n`, where len counts the whole record including its own digits. */
function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(` ${key}=`) + value.length + 1;
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

function fitsAscii(s: string, max: number): boolean {
  return s.length <= max && /^[\x20-\x7e]*$/.test(s);
}

function asciiCut(s: string, max: number): string {
  return fitsAscii(s, max) ? s : s.replace(/[^\x20-\x7e]/g, '_').slice(0, max);
}

/** ustar's prefix/name split of a long ASCII path, or undefined when it needs a PAX path. */
function splitName(name: string): { prefix: string; name: string } | undefined {
  if (!fitsAscii(name, 256)) return undefined;
  if (name.length <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    if (i === name.length - 1) break;
    if (i <= 155 && name.length - i - 1 <= 100) return { prefix: name.slice(0, i), name: name.slice(i + 1) };
  }
  return undefined;
}

interface Fields {
  name: { prefix: string; name: string };
  mode: number; uid: number; gid: number; size: number; mtime: number;
  typeflag: string; linkname: string; devmajor: number; devminor: number;
}

function ustar(f: Fields): Buffer {
  const b = Buffer.alloc(512);
  const oct = (value: number, at: number, width: number): void => {
    b.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, 'ascii');
  };
  b.write(f.name.name, 0, 100, 'ascii');
  oct(f.mode, 100, 8);
  oct(f.uid, 108, 8);
  oct(f.gid, 116, 8);
  oct(f.size, 124, 12);
  oct(f.mtime, 136, 12);
  b.write('        ', 148, 'ascii');
  b.write(f.typeflag, 156, 'ascii');
  b.write(f.linkname, 157, 100, 'ascii');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  oct(f.devmajor, 329, 8);
  oct(f.devminor, 337, 8);
  b.write(f.name.prefix, 345, 155, 'ascii');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}
