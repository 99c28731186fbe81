// The registry face: every /v2/ request is matched by v2-path.ts and handed to its endpoint; errors
// leave as the spec's JSON bodies, and every answer carries distribution's API version header.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StoreBackend } from '@berth/core';
import { ArtifactTags } from './artifact-tags.js';
import { cancelUpload, getBlob, patchUpload, putUpload, startUpload, uploadStatus, type BlobDeps } from './blob-routes.js';
import { LayerFacts } from './layer-facts.js';
import { catalog, deleteManifest, getManifest, listReferrers, listTags, putManifest } from './manifest-routes.js';
import { errorBody, RegistryError, toRegistryError } from './registry-error.js';
import { RegistryManifests } from './registry-manifests.js';
import { Referrers } from './referrers.js';
import { registerSearch } from './search.js';
import { parseRepositoryName } from './repository-name.js';
import { UploadSessions } from './upload-sessions.js';
import { matchV2 } from './v2-path.js';

export interface RegistryFaceOptions {
  backend: StoreBackend;
  /** The store root: berthd keeps its own small files in `<root>/berthd/`. */
  root: string;
  chunkMinLength?: number;
  /** Told of every upload byte received (metrics). */
  onUploadBytes?: (n: number) => void;
}

export async function registerRegistryFace(app: FastifyInstance, options: RegistryFaceOptions): Promise<void> {
  const { backend } = options;
  const stagingDir = (await backend.content.stagingDir?.()) ?? tmpdir();
  const facts = new LayerFacts();
  const deps: BlobDeps = { content: backend.content, sessions: new UploadSessions(stagingDir, options.onUploadBytes), facts, chunkMinLength: options.chunkMinLength ?? 0 };
  const own = join(options.root, 'berthd');
  const manifests = new RegistryManifests(backend, facts, new ArtifactTags(own), new Referrers(own), (digest) => app.log.info({ digest }, 'layer facts unknown: reading the blob again'));

  const handle = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.header('docker-distribution-api-version', 'registry/2.0');
    const url = new URL(req.url, 'http://registry');
    const route = matchV2(url.pathname);
    const query = Object.fromEntries(url.searchParams) as Record<string, string | undefined>;
    const method = req.method;
    if (!route) throw new RegistryError('NAME_UNKNOWN', 404, `no such endpoint ${url.pathname}`);
    if (route.kind === 'base') return reply.code(200).header('content-type', 'application/json').send('{}');
    if (route.kind === 'catalog') return catalog(manifests, query, reply);
    const repo = parseRepositoryName(route.name);
    switch (route.kind) {
      case 'manifest':
        if (method === 'GET' || method === 'HEAD') return getManifest(manifests, repo, route.reference, req, reply, method === 'HEAD');
        if (method === 'PUT') return putManifest(manifests, repo, route.reference, req, reply);
        if (method === 'DELETE') return deleteManifest(manifests, repo, route.reference, reply);
        break;
      case 'blob':
        if (method === 'GET' || method === 'HEAD') return getBlob(deps, repo, route.digest, req, reply, method === 'HEAD');
        // Blobs are shared by every repository of the store: deleting one would break the others.
        if (method === 'DELETE') throw new RegistryError('UNSUPPORTED', 405, 'blobs are deleted by garbage collection, not one by one');
        break;
      case 'uploads':
        if (method === 'POST') return startUpload(deps, repo, query, req, reply);
        break;
      case 'upload':
        if (method === 'PATCH') return patchUpload(deps, repo, route.id, req, reply);
        if (method === 'PUT') return putUpload(deps, repo, route.id, query, req, reply);
        if (method === 'GET') return uploadStatus(deps, repo, route.id, reply);
        if (method === 'DELETE') return cancelUpload(deps, repo, route.id, reply);
        break;
      case 'tags':
        if (method === 'GET') return listTags(manifests, repo, query, reply);
        break;
      case 'referrers':
        if (method === 'GET') return listReferrers(manifests.referrers, repo, route.digest, query, reply);
        break;
    }
    throw new RegistryError('UNSUPPORTED', 405, `${method} is not allowed on ${url.pathname}`);
  };

  registerSearch(app, manifests);
  await app.register(async (scope) => {
    // Bodies are streams the endpoints read themselves (uploads) or bound themselves (manifests).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    scope.setErrorHandler((err, req, reply) => {
      const e = toRegistryError(err);
      if (e.status >= 500) req.log.error({ err }, 'registry request failed');
      else req.log.info({ code: e.code, status: e.status }, e.message);
      reply.header('docker-distribution-api-version', 'registry/2.0');
      return reply.code(e.status).header('content-type', 'application/json').send(errorBody(e));
    });
    for (const url of ['/v2', '/v2/', '/v2/*']) {
      scope.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'], url, handler: handle });
    }
  });
}
