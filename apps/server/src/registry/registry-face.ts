// The registry face: every /v2/ request is matched by v2-path.ts and handed to its endpoint; errors
// leave as the spec's JSON bodies, and every answer carries distribution's API version header.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDigest, type Digest, type StoreBackend } from '@berth/core';
import { ArtifactTags } from './artifact-tags.js';
import { cancelUpload, getBlob, patchUpload, putUpload, startUpload, uploadStatus, type BlobDeps } from './blob-routes.js';
import { LayerFacts } from './layer-facts.js';
import { catalog, deleteManifest, getManifest, listReferrers, listTags, putManifest } from './manifest-routes.js';
import { errorBody, RegistryError, toRegistryError } from './registry-error.js';
import { RegistryManifests } from './registry-manifests.js';
import { Referrers } from './referrers.js';
import { registerSearch } from './search.js';
import { parseRepositoryName, type RepositoryName } from './repository-name.js';
import { RepositoryBlobs } from './repository-blobs.js';
import { UploadSessions } from './upload-sessions.js';
import { matchV2 } from './v2-path.js';
import { userOf, type Identity, type RegistryAuth } from '../auth/registry-auth.js';
import type { RegistryAction } from '../auth/auth-config.js';

export interface RegistryFaceOptions {
  backend: StoreBackend;
  /** The store root: berthd keeps its own small files in `<root>/berthd/`. */
  root: string;
  chunkMinLength?: number;
  /** Told of every upload byte received (metrics). */
  onUploadBytes?: (n: number) => void;
  /** Absent: an open registry (anyone may pull, push and delete). */
  auth?: RegistryAuth;
}

export async function registerRegistryFace(app: FastifyInstance, options: RegistryFaceOptions): Promise<void> {
  const { backend } = options;
  const stagingDir = (await backend.content.stagingDir?.()) ?? tmpdir();
  const facts = new LayerFacts();
  const own = join(options.root, 'berthd');
  const artifactTags = new ArtifactTags(own);
  // With auth, each repository sees only its own blobs; an open registry shares them all.
  const blobs = options.auth ? new RepositoryBlobs(backend, artifactTags, own) : undefined;
  const deps: BlobDeps = {
    content: backend.content,
    sessions: new UploadSessions(stagingDir, options.onUploadBytes),
    facts,
    chunkMinLength: options.chunkMinLength ?? 0,
    ...(blobs ? { onStored: (repo: RepositoryName, digest: Digest) => blobs.link(repo, digest) } : {}),
  };
  const manifests = new RegistryManifests(backend, facts, artifactTags, new Referrers(own), (digest) => app.log.info({ digest }, 'layer facts unknown: reading the blob again'));

  const auth = options.auth;
  /** Catalog and search show the repositories the user's grants let them pull. */
  const visibleFilter = (identity: Identity) => (repository: string) => auth!.grants.actions(userOf(identity), repository).has('pull');

  /** A mount takes a blob from `from`: the client must be able to pull there, and it must be there. */
  const mayMountFrom = async (identity: Identity, from: string | undefined, digest: Digest): Promise<boolean> => {
    if (from === undefined || !auth!.may(identity, from, 'pull')) return false;
    let fromRepo: RepositoryName;
    try {
      fromRepo = parseRepositoryName(from);
    } catch {
      return false;
    }
    return blobs!.holds(fromRepo, digest);
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.header('docker-distribution-api-version', 'registry/2.0');
    const url = new URL(req.url, 'http://registry');
    const route = matchV2(url.pathname);
    const query = Object.fromEntries(url.searchParams) as Record<string, string | undefined>;
    const method = req.method;
    if (!route) throw new RegistryError('NAME_UNKNOWN', 404, `no such endpoint ${url.pathname}`);
    const identity = auth ? await auth.identify(req, reply) : undefined;
    if (route.kind === 'base') {
      if (auth) auth.requireLogin(identity!, req, reply);
      return reply.code(200).header('content-type', 'application/json').send('{}');
    }
    if (route.kind === 'catalog') {
      if (!auth) return catalog(manifests, query, reply);
      if (identity!.kind === 'anonymous' && auth.config.anonymous === 'off') {
        auth.challenge(req, reply, 'registry:catalog:*');
        throw new RegistryError('UNAUTHORIZED', 401, 'authentication required');
      }
      return catalog(manifests, query, reply, visibleFilter(identity!));
    }
    const repo = parseRepositoryName(route.name);
    const need = (action: RegistryAction): void => {
      if (auth) auth.require(identity!, route.name, action, req, reply);
    };
    need(actionOf(route.kind, method));
    // Another repository's blob or manifest, asked for by digest, is unknown here.
    if (blobs && (method === 'GET' || method === 'HEAD')) {
      const digest = route.kind === 'blob' ? route.digest : route.kind === 'manifest' && isDigest(route.reference) ? route.reference : undefined;
      if (digest !== undefined && !(await blobs.holds(repo, digest))) {
        if (route.kind === 'blob') throw new RegistryError('BLOB_UNKNOWN', 404, `blob ${digest} is not in repository ${repo.name}`, { digest });
        throw new RegistryError('MANIFEST_UNKNOWN', 404, `manifest ${digest} is not in repository ${repo.name}`);
      }
    }
    switch (route.kind) {
      case 'manifest':
        if (method === 'GET' || method === 'HEAD') return getManifest(manifests, repo, route.reference, req, reply, method === 'HEAD');
        if (method === 'PUT') return putManifest(manifests, repo, route.reference, req, reply, blobs);
        if (method === 'DELETE') return deleteManifest(manifests, repo, route.reference, reply);
        break;
      case 'blob':
        if (method === 'GET' || method === 'HEAD') return getBlob(deps, repo, route.digest, req, reply, method === 'HEAD');
        // Blobs are shared by every repository of the store: deleting one would break the others.
        if (method === 'DELETE') throw new RegistryError('UNSUPPORTED', 405, 'blobs are deleted by garbage collection, not one by one');
        break;
      case 'uploads':
        if (method === 'POST') return startUpload(deps, repo, query, req, reply, blobs ? (digest, from) => mayMountFrom(identity!, from, digest) : undefined);
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

  registerSearch(app, manifests, auth ? async (req, reply) => visibleFilter(await auth.identify(req, reply)) : undefined);
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

/** The action a request needs: reads pull, writes push, deletes delete. */
function actionOf(kind: string, method: string): RegistryAction {
  if (method === 'DELETE' && (kind === 'manifest' || kind === 'blob')) return 'delete';
  if (kind === 'uploads' || kind === 'upload' || (kind === 'manifest' && method === 'PUT')) return 'push';
  return 'pull';
}
