// `/v1/search` in Docker Hub's shape over the registry's repositories, so `docker search
// HOST/term` and `berth search` find what berthd serves. Stars and "official" mean nothing here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, toRegistryError } from './registry-error.js';
import type { RegistryManifests } from './registry-manifests.js';

export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
  is_trusted: boolean;
}

export function searchRepositories(repositories: readonly string[], query: string, limit: number): SearchResult[] {
  const q = query.toLowerCase();
  return repositories
    .filter((r) => r.toLowerCase().includes(q))
    .slice(0, limit)
    .map((name) => ({ name, description: '', star_count: 0, is_official: false, is_automated: false, is_trusted: false }));
}

/** `visibleTo` (auth on): the filter of repositories the request's sender may pull. */
export function registerSearch(app: FastifyInstance, manifests: RegistryManifests, visibleTo?: (req: FastifyRequest, reply: FastifyReply) => Promise<(repository: string) => boolean>): void {
  app.get('/v1/search', async (req, reply) => {
    const query = req.query as Record<string, string | undefined>;
    const q = query.q ?? '';
    // Docker Hub's limits: 25 by default, 1 to 100.
    const n = Math.min(100, Math.max(1, Number(query.n ?? '25') || 25));
    const all = await manifests.repositories();
    let visible: ((repository: string) => boolean) | undefined;
    try {
      visible = visibleTo ? await visibleTo(req, reply) : undefined;
    } catch (err) {
      const e = toRegistryError(err);
      return reply.code(e.status).send(errorBody(e));
    }
    const results = searchRepositories(visible ? all.filter(visible) : all, q, n);
    return reply.send({ num_pages: 1, num_results: results.length, page_size: n, page: 1, query: q, results });
  });
}
