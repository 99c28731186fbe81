// POST /build: the classic builder behind the Engine API, so `DOCKER_BUILDKIT=0 docker build`
// works against berthd. The context tar (plain or compressed) is unpacked to a private directory,
// the build runs through the same engine as `berth build`, and its lines stream back as Docker
// JSON messages (`stream`, RUN's stderr in red as dockerd colours it, `aux` with the image ID).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseNormalizedReference, parsePlatform, parseTagReference, withDefaultTag, type ContainerRuntime, type ImageService, type RegistryAdapter, type TransferConcurrency } from '@berth/core';
import { registryConfigOptions } from './registry-auth-header.js';
import { boolParam } from './engine-filters.js';
import { EngineError } from './engine-error.js';
import type { EngineRequest } from './image-routes.js';
import { LazyResponse } from './lazy-response.js';

export interface BuildDeps {
  images: ImageService;
  /** The container runtime for RUN steps; without one a RUN fails with berth's message. */
  openRuntime?: () => Promise<ContainerRuntime>;
  /** The registry adapter for a host, to pull a missing FROM image; without one the build cannot pull. */
  registryAdapter?(host: string): Promise<RegistryAdapter>;
  concurrency?: TransferConcurrency;
}

function jsonParam(value: string | null, name: string): Record<string, string | null> {
  if (!value) return {};
  try {
    const v = JSON.parse(value) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, string | null>;
  } catch {
    // fall through
  }
  throw new EngineError(400, `invalid ${name}: expected a JSON object`);
}

export async function buildRoute(deps: BuildDeps, r: EngineRequest): Promise<void> {
  const q = r.query;
  const tags = q.getAll('t');
  for (const t of tags) {
    try {
      parseTagReference(t);
    } catch (err) {
      throw new EngineError(400, (err as Error).message);
    }
  }
  const dockerfileName = q.get('dockerfile') || 'Dockerfile';
  if (dockerfileName.startsWith('/') || dockerfileName.split('/').includes('..')) throw new EngineError(400, `the Dockerfile (${dockerfileName}) must be within the build context`);
  const buildArgs: Record<string, string> = {};
  for (const [k, v] of Object.entries(jsonParam(q.get('buildargs'), 'buildargs'))) if (typeof v === 'string') buildArgs[k] = v;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(jsonParam(q.get('labels'), 'labels'))) labels[k] = v ?? '';
  const quiet = boolParam(q.get('q'));
  const { buildImage, unpackContext, readDockerignore, createIgnoreMatcher, BuildStepError } = await import('@berth/builder-dockerfile');

  const out = new LazyResponse(r.req, r.reply, 'application/json');
  const dir = await mkdtemp(join(tmpdir(), 'berthd-build-'));
  const stream = (text: string): void => out.messages({ stream: text });
  const sink = (wrap: (s: string) => string): Writable =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        if (!quiet) stream(wrap(chunk.toString('utf8')));
        cb();
      },
    });
  try {
    await unpackContext(r.req.raw, dir);
    const dockerfilePath = join(dir, dockerfileName);
    const dockerfile = await readFile(dockerfilePath, 'utf8').catch(() => {
      throw new EngineError(400, `Cannot locate specified Dockerfile: ${dockerfileName}`);
    });
    const ignore = createIgnoreMatcher((await readDockerignore(dir, dockerfilePath)).patterns);
    const platform = q.get('platform');
    const target = q.get('target');
    const registry = registryConfigOptions(r.req.headers['x-registry-config'], out.signal);
    const registryAdapter = deps.registryAdapter?.bind(deps);
    // A missing base is pulled as dockerd's classic builder pulls it, its progress in the stream.
    const pullImage = registryAdapter
      ? async (name: string, wanted: string | undefined, signal?: AbortSignal): Promise<void> => {
          const ref = withDefaultTag(parseNormalizedReference(name));
          await deps.images.pull(await registryAdapter(ref.domain), ref, { registry, events: quiet ? undefined : out.progress, loginCommand: 'docker login', ...(deps.concurrency ? { concurrency: deps.concurrency.downloads } : {}), ...(wanted ? { platform: parsePlatform(wanted) } : {}), ...(signal ? { signal } : {}) });
        }
      : undefined;
    const network = q.get('networkmode');
    const result = await buildImage({
      images: deps.images,
      contextDir: dir,
      dockerfile,
      ignore,
      buildArgs,
      labels,
      tags,
      noCache: boolParam(q.get('nocache')),
      ...(target ? { target } : {}),
      ...(platform ? { platform } : {}),
      ...(deps.openRuntime ? { runtime: deps.openRuntime } : {}),
      ...(pullImage ? { pullImage } : {}),
      pull: boolParam(q.get('pull')),
      network: network === 'none' ? 'none' : 'host',
      log: (line) => (quiet ? undefined : stream(`${line}\n`)),
      onBuilt: (id) => out.messages({ aux: { ID: id } }),
      stdout: sink((s) => s),
      stderr: sink((s) => `\u001b[91m${s}\u001b[0m`),
      signal: out.signal,
    });
    if (quiet) stream(`${result.id}\n`);
    out.finish();
  } catch (err) {
    // A failed RUN: dockerd sends its exit status as errorDetail.code, and the docker CLI exits with it.
    if (err instanceof BuildStepError) {
      out.messages({ error: err.message, errorCode: err.exitCode });
      out.finish();
    } else out.finish(err);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
