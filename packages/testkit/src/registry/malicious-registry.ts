// A registry that lies, for tests of a client's defences: a small HTTP server speaking just enough of
// the distribution API (manifests, blobs, a Bearer challenge) to serve one kind of attack a repository.
// Pull `${host}/${repo}:1` for each repository in `MALICIOUS_REPOS`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import tar from 'tar-stream';

export const MALICIOUS_REPOS = {
  /** A layer blob whose bytes do not hash to its digest (same length, other content). */
  badBlobDigest: 'evil/blob',
  /** A manifest whose bytes do not match the Docker-Content-Digest the registry claims. */
  badManifestDigest: 'evil/manifest',
  /** A layer that is what its digest says, but decompresses to something else than the config's diff_id. */
  badDiffID: 'evil/diffid',
  /** A layer body promised whole (Content-Length) and cut off halfway. */
  truncatedBody: 'evil/truncated',
  /** A manifest that is not JSON. */
  notJson: 'evil/notjson',
  /** Every request redirected to itself. */
  redirectLoop: 'evil/loop',
  /** A Bearer challenge whose token endpoint accepts the connection and never answers. */
  hangingToken: 'evil/token',
  /** A layer whose body stops after a few bytes and stays open. */
  stalledBody: 'evil/stall',
  /** A zstd layer (OCI tar+zstd) that decompresses to something else than the config's diff_id. */
  zstdBadDiffID: 'evil/zstd-diffid',
  /** A zstd layer that is what its digest says but no valid zstd stream past its frame header. */
  zstdCorrupt: 'evil/zstd-corrupt',
} as const;

export interface MaliciousRegistry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** `METHOD path` of every request, in order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => pack.on('end', resolve).on('error', reject));
  for (const [name, text] of Object.entries(files)) pack.entry({ name, mode: 0o644, mtime: new Date(0) }, text);
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

interface Image {
  manifest: Buffer;
  config: Buffer;
}

const LAYER = 'application/vnd.oci.image.layer.v1.tar';
const ZSTD_LAYER = 'application/vnd.oci.image.layer.v1.tar+zstd';

function image(layer: Buffer, diffID: string, mediaType = LAYER): Image {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffID] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType, digest: sha(layer), size: layer.length }],
  }));
  return { manifest, config };
}

export async function startMaliciousRegistry(): Promise<MaliciousRegistry> {
  // Two layers of the same length: the registry declares one and may serve the other.
  const real = await tarOf({ 'f.txt': 'the real layer\n' });
  const evil = await tarOf({ 'f.txt': 'an evil layer!\n' });
  const honest = image(real, sha(real));
  const lying = image(real, sha(evil));
  // zstd by the real tool, as a registry's zstd images are made.
  const zstd = execFileSync('zstd', ['-c', '-q'], { input: real });
  const zstdLying = image(zstd, sha(evil), ZSTD_LAYER);
  const zstdBroken = Buffer.concat([zstd.subarray(0, 6), Buffer.alloc(64, 0x5a)]);
  const zstdCorrupt = image(zstdBroken, sha(real), ZSTD_LAYER);
  const manifests = new Map<string, Image>([[MALICIOUS_REPOS.zstdBadDiffID, zstdLying], [MALICIOUS_REPOS.zstdCorrupt, zstdCorrupt]]);
  const configs = new Map([honest, lying, zstdLying, zstdCorrupt].map((i) => [sha(i.config), i.config]));
  const layers = new Map([zstd, zstdBroken].map((b) => [sha(b), b]));
  const R = MALICIOUS_REPOS;
  const requests: string[] = [];
  const hanging = new Set<Socket>();
  let host = '';

  const send = (req: IncomingMessage, res: ServerResponse, body: Buffer, type: string, extra: Record<string, string> = {}): void => {
    res.writeHead(200, { 'content-type': type, 'content-length': String(body.length), ...extra }).end(req.method === 'HEAD' ? undefined : body);
  };
  const manifestType = 'application/vnd.oci.image.manifest.v1+json';

  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(`${req.method} ${url}`);
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/?]+)/.exec(url);
    if (url === '/v2/') return void res.writeHead(200).end('{}');
    if (url.startsWith('/token')) {
      // Accept, then say nothing: only the client's own timeout ends this.
      hanging.add(req.socket);
      return;
    }
    if (!m) return notFound(res);
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    if (repo === R.redirectLoop) return void res.writeHead(307, { location: url }).end();
    if (repo === R.hangingToken) {
      return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="evil"`, 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    }
    if (kind === 'manifests') {
      switch (repo) {
        case R.badManifestDigest:
          return send(req, res, honest.manifest, manifestType, { 'docker-content-digest': sha(Buffer.from('other')) });
        case R.notJson:
          return send(req, res, Buffer.from('<html>this is not json</html>'), manifestType);
        case R.badDiffID:
          return send(req, res, lying.manifest, manifestType, { 'docker-content-digest': sha(lying.manifest) });
        case R.zstdBadDiffID:
        case R.zstdCorrupt: {
          const { manifest } = manifests.get(repo)!;
          return send(req, res, manifest, manifestType, { 'docker-content-digest': sha(manifest) });
        }
        default:
          return send(req, res, honest.manifest, manifestType, { 'docker-content-digest': sha(honest.manifest) });
      }
    }
    const config = configs.get(ref);
    if (config) return send(req, res, config, 'application/octet-stream');
    const layer = layers.get(ref);
    if (layer) return send(req, res, layer, 'application/octet-stream');
    if (ref !== sha(real)) return notFound(res);
    switch (repo) {
      case R.badBlobDigest:
        return send(req, res, evil, 'application/octet-stream');
      case R.truncatedBody:
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(real.length) });
        res.write(real.subarray(0, real.length >> 1), () => res.destroy());
        return;
      case R.stalledBody:
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(real.length) });
        res.write(real.subarray(0, 100));
        hanging.add(req.socket);
        return;
      default:
        return send(req, res, real, 'application/octet-stream');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    host,
    requests,
    async close() {
      for (const s of hanging) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NOT_FOUND","message":"not found"}]}');
}
