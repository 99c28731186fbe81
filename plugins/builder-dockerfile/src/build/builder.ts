// The build engine: a Dockerfile run step by step as the classic builder runs it (moby
// builder/dockerfile): every stage through the target, each instruction committed as an image
// whose parent is the previous one (intermediates kept, as `images -a` shows), cache probed
// first. COPY/ADD/WORKDIR write their layer straight from a filesystem index; RUN goes through
// the container runtime contract (rootfs → run → diff).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import {
  BerthError,
  MediaType,
  createChildImage,
  emptyContainerConfig,
  findImage,
  formatGoTimeRFC3339,
  hostPlatform,
  ingestLayer,
  parsePlatform,
  formatPlatform,
  platformMatches,
  tagImage,
  familiarString,
  parseNormalizedReference,
  withDefaultTag,
  type ContainerConfig,
  type ContainerRuntime,
  type Digest,
  type ImageConfig,
  type ImageRecord,
  type ImageService,
  type LayerRecord,
  type Platform,
  type RuntimeLayer,
} from '@berth/core';
import { parse } from '../parser/parser.js';
import { DockerfileError } from '../parser/parse-error.js';
import { parseInstruction, parseStages } from '../instructions/parse-instruction.js';
import type { AddCommand, Command, CopyCommand, RunCommand } from '../instructions/commands.js';
import { expandCommand } from '../instructions/expand.js';
import { ShellLex, envsFromMap } from '../shell/lex.js';
import { copyFromStage, expandStage, planBuild, unconsumedBuildArgs, type BuildPlan, type ExpandedCommand } from '../stages.js';
import { applyToConfig, newConfigState, type ConfigState } from '../image-config.js';
import type { IgnoreMatcher } from '../context/dockerignore.js';
import { ImageFs } from './image-fs.js';
import { ContextFs, ImageSourceFs, type SourceFs } from './source-fs.js';
import { applyCopy, collectInfos, heredocFile, sourcesHash, type CopyInfo, type Identity } from './copy-plan.js';
import { entryHeaders, layerPaths, layerTar } from './layer-tar.js';
import { layerIndexCache } from './layer-index-cache.js';
import { openFileHashCache, type PersistentFileHashCache } from './file-hash-cache.js';
import type { LayerIndexCache } from './image-fs.js';
import { parseChmod, resolveChown } from './chown.js';
import { downloadSource } from './add-url.js';
import { probeCache } from './build-cache.js';
import { metadataComment, nopComment, nopString } from './history-text.js';
import { runInvocation } from './run-step.js';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BuildOptions {
  images: ImageService;
  /** The context directory (an archive context is unpacked to one first). */
  contextDir: string;
  dockerfile: string;
  ignore?: IgnoreMatcher;
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  labels?: Record<string, string>;
  platform?: string;
  tags?: string[];
  /** SOURCE_DATE_EPOCH (seconds): created times and clamped mtimes, for reproducible images. */
  sourceDateEpoch?: number;
  /** Opens the container runtime on the first RUN. */
  runtime?: () => Promise<ContainerRuntime>;
  /**
   * Fetches an image FROM or COPY --from names into the store (its progress goes where the caller
   * wants it), as the classic builder pulls a missing base; absent, a missing image is an error.
   */
  pullImage?: (name: string, platform: string | undefined, signal?: AbortSignal) => Promise<void>;
  /** `--pull`: ask the registry for a newer version of every image FROM or COPY --from names. */
  pull?: boolean;
  /** The network RUN steps see (`--network`): the host's (default) or none. */
  network?: 'host' | 'none';
  /** Step lines (`Step 1/3 : FROM …`, ` ---> …`). */
  log: (line: string) => void;
  /** Called with the image ID before `Successfully built` (the Engine API's `aux` message). */
  onBuilt?: (id: Digest) => void;
  /** Where RUN's output goes. */
  stdout: Writable;
  stderr: Writable;
  signal?: AbortSignal;
}

export interface BuildResult {
  id: Digest;
  tags: string[];
}

interface StageState {
  index: number;
  /** The current image; undefined while a scratch stage has committed nothing. */
  image?: { record: ImageRecord; config: ImageConfig };
  cs: ConfigState;
  platform: Platform;
  fs?: ImageFs;
}

const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const b = new Build(opts);
  try {
    return await b.run();
  } finally {
    await b.cleanup();
  }
}

class Build {
  private tmpDir = '';
  private context: ContextFs;
  private hashes?: PersistentFileHashCache;
  private readonly fsCache = new Map<string, ImageFs>();
  private readonly finished = new Map<number, StageState>();
  private runtime?: ContainerRuntime;
  private escapeToken = '\\';
  private readonly now: () => Date;
  private readonly layerIndex: LayerIndexCache;

  constructor(private readonly opts: BuildOptions) {
    this.context = new ContextFs(opts.contextDir, opts.ignore);
    const epoch = opts.sourceDateEpoch;
    this.now = () => (epoch !== undefined ? new Date(epoch * 1000) : new Date());
    this.layerIndex = layerIndexCache(join(opts.images.root, 'berth', 'build', 'layers'));
  }

  async cleanup(): Promise<void> {
    await this.hashes?.save().catch(() => {});
    if (this.tmpDir) await rm(this.tmpDir, { recursive: true, force: true });
  }

  /** Printed before the next line (dockerd's stderr messages, red, in the same stream). */
  private prefix = '';

  private log(line: string): void {
    this.opts.log(this.prefix + line);
    this.prefix = '';
  }

  async run(): Promise<BuildResult> {
    this.tmpDir = await mkdtemp(join(tmpdir(), 'berth-build-'));
    this.hashes = await openFileHashCache(join(this.opts.images.root, 'berth', 'build', 'file-hashes.json'));
    this.context = new ContextFs(this.opts.contextDir, this.opts.ignore, this.hashes);
    const parsed = parse(this.opts.dockerfile);
    this.escapeToken = parsed.escapeToken;
    if (parsed.warnings.length > 0) this.prefix = `\x1b[91m${classicWarnings(parsed.warnings)}\x1b[0m`;
    const df = parseStages(parsed.ast);
    const buildArgs = this.opts.buildArgs ?? {};
    const plan = planBuild(df, { buildArgs, ...(this.opts.target ? { target: this.opts.target } : {}), escapeToken: parsed.escapeToken });
    this.stagesForLookup = plan.stages;
    // --label: one LABEL per label (sorted) added to the target stage, as buildLabelOptions does.
    const labelCmds: Command[] = Object.keys(this.opts.labels ?? {})
      .sort()
      .map((k) => ({ kind: 'label', name: 'label', code: `LABEL ${k}=${this.opts.labels![k]}`, location: [], labels: [{ key: k, value: this.opts.labels![k]! }] }));
    const stages = plan.throughTarget;
    const total = df.metaArgs.length + stages.reduce((n, i) => n + 1 + df.stages[i]!.commands.length, 0) + labelCmds.length;
    let step = 0;
    const stepLine = (text: string): void => this.log(`Step ${++step}/${total} : ${text}`);
    for (const meta of df.metaArgs) stepLine(meta.code);

    let last: StageState | undefined;
    for (const index of stages) {
      const resolved = plan.stages[index]!;
      stepLine(resolved.stage.sourceCode);
      const state = await this.beginStage(plan, index);
      const expanded = expandStage(plan, index, state.cs.config.Env ?? [], { buildArgs, escapeToken: parsed.escapeToken });
      for (const ex of expanded) {
        this.opts.signal?.throwIfAborted();
        stepLine(ex.command.code);
        await this.dispatch(state, ex);
      }
      if (index === plan.target) {
        for (const cmd of labelCmds) {
          stepLine(cmd.code);
          await this.dispatch(state, { command: cmd, args: new Map(), env: state.cs.config.Env ?? [] });
        }
      }
      this.finished.set(index, state);
      last = state;
    }
    const unused = unconsumedBuildArgs(df, plan, buildArgs);
    if (unused.length > 0) this.log(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed`);
    if (!last?.image) throw new BerthError('ERR_BUILD', 'No image was generated. Is your Dockerfile empty?');
    const id = last.image.record.id;
    this.opts.onBuilt?.(id);
    this.log(`Successfully built ${short(id)}`);
    const tags: string[] = [];
    for (const t of this.opts.tags ?? []) {
      await this.opts.images.backend.metadata.update((draft) => void tagImage(draft, id, t));
      const name = familiarString(withDefaultTag(parseNormalizedReference(t)));
      tags.push(name);
      this.log(`Successfully tagged ${name}`);
    }
    return { id, tags };
  }

  /** FROM: the base (an image of the store, an earlier stage, or scratch), then its ONBUILD triggers. */
  private async beginStage(plan: BuildPlan, index: number): Promise<StageState> {
    const resolved = plan.stages[index]!;
    const wanted = resolved.platform || this.opts.platform;
    let state: StageState;
    if (resolved.baseStage !== undefined) {
      const base = this.finished.get(resolved.baseStage);
      if (!base?.image) throw new BerthError('ERR_BUILD', `stage ${resolved.baseName} produced no image`);
      state = this.stateFrom(index, base.image, base.fs);
    } else if (resolved.baseName.toLowerCase() === 'scratch') {
      const platform = wanted ? parsePlatform(wanted) : hostPlatform();
      state = { index, cs: newConfigState(emptyContainerConfig()), platform };
    } else {
      const image = await this.loadImage(resolved.baseName, wanted);
      if (wanted) {
        const want = parsePlatform(wanted);
        const have = image.record.platform;
        if (!platformMatches(want, have)) {
          throw new BerthError(
            'ERR_PLATFORM_MISMATCH',
            `image with reference ${resolved.baseName} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform(have)}`,
          );
        }
      }
      state = this.stateFrom(index, image);
    }
    this.log(` ---> ${state.image ? short(state.image.record.id) : ''}`);
    // beginStage/setDefaultPath: a stage without PATH gets the default one; stdin flags reset.
    const c = state.cs.config;
    if (!(c.Env ?? []).some((e) => e.startsWith('PATH='))) c.Env = [...(c.Env ?? []), DEFAULT_PATH];
    c.OpenStdin = false;
    c.StdinOnce = false;
    const triggers = c.OnBuild ?? [];
    if (triggers.length > 0) {
      c.OnBuild = null;
      this.log(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}`);
      for (const trigger of triggers) await this.runTrigger(state, trigger);
    }
    return state;
  }

  private stateFrom(index: number, image: { record: ImageRecord; config: ImageConfig }, fs?: ImageFs): StageState {
    const cfg = image.config;
    return {
      index,
      image,
      cs: newConfigState({ ...emptyContainerConfig(), ...(cfg.config ?? {}) }, cfg.author),
      platform: image.record.platform,
      ...(fs ? { fs } : {}),
    };
  }

  /** An image of the store by name or ID; pulled first with `--pull`, or when missing (PullOptionPreferLocal). */
  private async loadImage(name: string, platform?: string): Promise<{ record: ImageRecord; config: ImageConfig }> {
    const { pullImage, pull: always, signal } = this.opts;
    if (pullImage && always) await pullImage(name, platform, signal);
    const find = async (): Promise<ImageRecord> => findImage(await this.opts.images.snapshot(), name).record;
    let record: ImageRecord;
    try {
      record = await find();
    } catch (err) {
      if ((err as BerthError).code !== 'ERR_IMAGE_UNKNOWN') throw err;
      if (!pullImage) {
        throw new BerthError('ERR_IMAGE_UNKNOWN', `pull access denied for ${name}: the image is not in the store and this build cannot pull (run 'berth pull ${name}' first)`, { cause: err });
      }
      if (always) throw err;
      await pullImage(name, platform, signal);
      record = await find();
    }
    return { record, config: await this.opts.images.config(record.id) };
  }

  private async runTrigger(state: StageState, trigger: string): Promise<void> {
    const parsed = parse(trigger);
    for (const node of parsed.ast.children) {
      const name = node.value.toLowerCase();
      if (name === 'onbuild') throw new DockerfileError('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (name === 'from' || name === 'maintainer') throw new DockerfileError(`${node.value.toUpperCase()} isn't allowed as an ONBUILD trigger`);
      const raw = parseInstruction(node) as Command;
      const env = new Map<string, string>();
      for (const e of state.cs.config.Env ?? []) {
        const i = e.indexOf('=');
        env.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
      }
      const getter = envsFromMap(env);
      const lex = new ShellLex(this.escapeToken);
      const cmd = expandCommand(raw, (w) => lex.processWord(w, getter), (w) => lex.processWords(w, getter));
      await this.dispatch(state, { command: cmd, args: new Map(), env: state.cs.config.Env ?? [] });
    }
  }

  private created(): string {
    return formatGoTimeRFC3339(this.now(), 'UTC');
  }

  /** One instruction: cache probe, then the work, then the commit. */
  private async dispatch(state: StageState, ex: ExpandedCommand): Promise<void> {
    const cmd = ex.command;
    switch (cmd.kind) {
      case 'run':
        return this.dispatchRun(state, cmd, ex);
      case 'copy':
      case 'add':
        return this.dispatchCopy(state, cmd, ex);
      case 'workdir':
        return this.dispatchWorkdir(state, cmd);
      default: {
        const next = structuredClone(state.cs);
        applyToConfig(next, cmd);
        const createdBy = nopComment(next.config, metadataComment(cmd, next.config));
        await this.commitStep(state, next, createdBy, undefined, { container: true });
      }
    }
  }

  /** Probes the cache for (parent, history line, config); on a miss runs `work` and commits its layer. */
  private async commitStep(
    state: StageState,
    next: ConfigState,
    createdBy: string,
    work: (() => Promise<{ layer?: LayerRecord; fs?: ImageFs }>) | undefined,
    show: { container: boolean; containerId?: string },
  ): Promise<void> {
    const config: ContainerConfig = { ...next.config, Image: state.image?.record.id ?? '' };
    const parent = state.image?.record.id;
    if (!this.opts.noCache) {
      const hit = await probeCache(this.opts.images, parent, createdBy, config);
      if (hit) {
        this.log(' ---> Using cache');
        this.log(` ---> ${short(hit.record.id)}`);
        state.image = hit;
        state.cs = next;
        // A metadata step leaves the files as they were; otherwise the index is read again when needed.
        if (work) state.fs = undefined;
        return;
      }
    }
    const containerId = show.containerId ?? randomBytes(32).toString('hex');
    if (show.container && !show.containerId) this.log(` ---> Running in ${containerId.slice(0, 12)}`);
    const done = work ? await work() : {};
    if (show.container) this.log(`Removing intermediate container ${containerId.slice(0, 12)}`);
    const record = await createChildImage(this.opts.images.backend, {
      ...(state.image ? { parent: state.image } : {}),
      ...(done.layer ? { layer: done.layer } : {}),
      config,
      createdBy,
      created: this.created(),
      ...(next.author ? { author: next.author } : {}),
      platform: state.platform,
    });
    state.image = { record, config: await this.opts.images.config(record.id) };
    state.cs = next;
    if (work) state.fs = done.fs;
    if (state.fs) this.fsCache.set(record.id, state.fs);
    this.log(` ---> ${short(record.id)}`);
  }

  /** The current image's filesystem index (read from its layers once per image). */
  private async fsOf(state: StageState): Promise<ImageFs> {
    if (state.fs) return state.fs;
    const id = state.image?.record.id;
    if (!id) return (state.fs = new ImageFs());
    let fs = this.fsCache.get(id);
    if (!fs) {
      const content = this.opts.images.backend.content;
      fs = await ImageFs.fromLayers(
        state.image!.record.layers.map((l) => ({ open: () => content.get(l.digest), diffID: l.diffID })),
        `image ${short(id)}`,
        this.layerIndex,
      );
      this.fsCache.set(id, fs);
    }
    return (state.fs = fs);
  }

  private async ingest(tar: Readable): Promise<LayerRecord> {
    const { blob, layer } = await ingestLayer(this.opts.images.backend, tar, { allowDevices: true, what: 'build step' });
    return { digest: blob.digest, mediaType: MediaType.OciLayer, blobSize: blob.size, diffID: layer.diffID, tarSize: layer.tarSize, size: layer.size };
  }

  /** Writes the layer for the changed paths of `fs`, stores it, and records its file list. */
  private async writeLayer(fs: ImageFs, changed: Iterable<string>): Promise<LayerRecord> {
    const paths = layerPaths(fs, changed);
    const layer = await this.ingest(await layerTar(fs, paths, { tmpDir: this.tmpDir, ...this.clampOpt() }));
    await this.layerIndex.put(layer.diffID, entryHeaders(fs, paths, this.clamp())).catch(() => {});
    return layer;
  }

  private clamp(): Date | undefined {
    return this.opts.sourceDateEpoch !== undefined ? new Date(this.opts.sourceDateEpoch * 1000) : undefined;
  }

  private async dispatchWorkdir(state: StageState, cmd: Command): Promise<void> {
    const next = structuredClone(state.cs);
    applyToConfig(next, cmd);
    const dir = next.config.WorkingDir ?? '/';
    const createdBy = nopString(next.config, `WORKDIR ${dir}`);
    await this.commitStep(
      state,
      next,
      createdBy,
      async () => {
        // ContainerCreateWorkdir: the directory is made (root, 0755) when missing, inside the image.
        const fs = (await this.fsOf(state)).clone();
        const changed = await applyMkdir(fs, dir, this.now());
        if (changed.length === 0) return { fs };
        return { fs, layer: await this.writeLayer(fs, changed) };
      },
      { container: true },
    );
  }

  private clampOpt(): { clamp?: Date } {
    const c = this.clamp();
    return c ? { clamp: c } : {};
  }

  private async sourceFor(state: StageState, from: string): Promise<SourceFs> {
    if (from === '') return this.context;
    const stageIndex = this.stageByName(from, state.index);
    if (stageIndex !== undefined) {
      const done = this.finished.get(stageIndex);
      if (!done?.image) throw new BerthError('ERR_BUILD', `COPY --from=${from}: that stage produced no image`);
      const fs = await this.fsOf(done);
      return new ImageSourceFs(fs, done.image.record.id);
    }
    const image = await this.loadImage(from, this.opts.platform);
    const tmp: StageState = { index: -1, image, cs: newConfigState(), platform: image.record.platform };
    return new ImageSourceFs(await this.fsOf(tmp), image.record.id);
  }

  private stagesForLookup?: BuildPlan['stages'];
  private stageByName(from: string, current: number): number | undefined {
    return this.stagesForLookup ? copyFromStage(this.stagesForLookup, from, current) : undefined;
  }

  private async dispatchCopy(state: StageState, cmd: CopyCommand | AddCommand, ex: ExpandedCommand): Promise<void> {
    const name = cmd.kind === 'add' ? 'ADD' : 'COPY';
    const from = cmd.kind === 'copy' ? cmd.from : '';
    const source = await this.sourceFor(state, from);
    const infos: CopyInfo[] = [];
    for (const src of cmd.sourcePaths) {
      if (cmd.kind === 'add' && /^https?:\/\//i.test(src)) {
        infos.push(await downloadSource(src, this.tmpDir, this.context, cmd.kind === 'add' ? cmd.checksum : ''));
        continue;
      }
      if (/^https?:\/\//i.test(src)) throw new BerthError('ERR_BUILD', 'source can\'t be a URL for COPY');
      if (cmd.kind === 'add' && cmd.checksum !== '') throw new BerthError('ERR_BUILD', 'checksum can\'t be specified for non-HTTP(S) sources');
      infos.push(...(await collectInfos(source, [src], name, cmd.kind === 'add')));
    }
    for (const h of cmd.sourceContents) {
      // BuildKit: an unquoted heredoc delimiter expands variables (ARG and ENV), quotes are kept.
      let data = h.data;
      if (h.expand) {
        const scope = new Map(ex.args);
        for (const e of state.cs.config.Env ?? []) {
          const i = e.indexOf('=');
          scope.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
        }
        const lex = new ShellLex(this.escapeToken);
        lex.skipProcessQuotes = true;
        data = lex.processWord(data, envsFromMap(scope));
      }
      const node = await heredocFile(this.tmpDir, h.path, data, this.now());
      infos.push({ origPath: h.path, path: h.path, node, fs: this.context, hash: `file:${createHash('sha256').update(data).digest('hex')}`, decompress: false });
    }
    const dest = normalizeDest(state.cs.config.WorkingDir ?? '', cmd.destPath);
    const flags = `${cmd.chown ? `--chown=${cmd.chown}` : ''}${cmd.chmod ? `--chmod=${cmd.chmod} ` : ''}`;
    // docker writes the destination as given (relative ones too), not the resolved path.
    const createdBy = nopString(state.cs.config, `${name} ${flags}${sourcesHash(infos)} in ${cmd.destPath} `);
    const next = structuredClone(state.cs);
    await this.commitStep(
      state,
      next,
      createdBy,
      async () => {
        const fs = (await this.fsOf(state)).clone();
        const identity: Identity = cmd.chown ? await resolveChown(cmd.chown, fs, this.tmpDir) : { uid: 0, gid: 0 };
        const changed = await applyCopy(fs, infos, {
          cmd: name,
          dest,
          identity,
          ...(cmd.chmod ? { chmod: parseChmod(cmd.chmod) } : {}),
          now: this.now(),
          tmpDir: this.tmpDir,
        });
        return { fs, layer: await this.writeLayer(fs, changed) };
      },
      { container: false },
    );
  }

  private async dispatchRun(state: StageState, cmd: RunCommand, ex: ExpandedCommand): Promise<void> {
    const config = state.cs.config;
    const { args, argEnv, createdBy } = runInvocation(cmd, config, ex.args);
    const next = structuredClone(state.cs);
    const containerId = randomBytes(32).toString('hex');
    await this.commitStep(
      state,
      next,
      createdBy,
      async () => {
        this.log(` ---> Running in ${containerId.slice(0, 12)}`);
        this.runtime ??= await this.openRuntime();
        const content = this.opts.images.backend.content;
        const layers: RuntimeLayer[] = (state.image?.record.layers ?? []).map((l) => ({ diffID: l.diffID, open: () => content.get(l.digest) }));
        const rootfs = await this.runtime.rootfs(containerId, layers);
        try {
          const { exitCode } = await rootfs.run(
            { args, env: [...(config.Env ?? []), ...argEnv], cwd: config.WorkingDir || '/', user: config.User ?? '', network: this.opts.network ?? 'host' },
            { stdout: this.opts.stdout, stderr: this.opts.stderr },
            this.opts.signal,
          );
          // Canceled: the runtime killed the process; say so rather than report its 137.
          this.opts.signal?.throwIfAborted();
          if (exitCode !== 0) throw new BuildStepError(`The command '${args.join(' ')}' returned a non-zero code: ${exitCode}`, exitCode);
          const sde = this.opts.sourceDateEpoch;
          const layer = await this.ingest(rootfs.diff(sde !== undefined ? { sourceDateEpoch: sde } : {}));
          return { layer };
        } finally {
          await rootfs.remove();
        }
      },
      { container: true, containerId },
    );
  }

  private async openRuntime(): Promise<ContainerRuntime> {
    if (!this.opts.runtime) throw new BerthError('ERR_UNSUPPORTED', 'RUN needs a container runtime, and no runtime plugin is loaded');
    return this.opts.runtime();
  }
}

/** The parser's warnings as the classic builder words them (moby's PrintWarnings). */
function classicWarnings(warnings: readonly { short: string }[]): string {
  const lines = warnings.map((w) => `[WARNING]: ${w.short.replace(/^Empty continuation line found in: /, 'Empty continuation line found in:\n    ')}\n`);
  return `${lines.join('')}[WARNING]: Empty continuation lines will become errors in a future release.\n`;
}

/** A RUN that failed: the CLI exits with the command's code, as docker build does. */
export class BuildStepError extends BerthError {
  constructor(message: string, readonly exitCode: number) {
    super('ERR_BUILD', message);
  }
}

/** normalizeDest: a relative destination is joined to WORKDIR; a trailing slash is kept. */
export function normalizeDest(workdir: string, requested: string): string {
  if (requested.startsWith('/')) return requested;
  const joined = ['', ...workdir.split('/'), ...requested.split('/')].filter((p, i) => i === 0 || (p !== '' && p !== '.'));
  const out: string[] = [];
  for (const p of joined.slice(1)) {
    if (p === '..') out.pop();
    else out.push(p);
  }
  const dest = '/' + out.join('/');
  return requested.endsWith('/') && dest !== '/' ? `${dest}/` : dest;
}

/** WORKDIR's mkdir inside the image: missing directories, root-owned 0755; returns what it made. */
async function applyMkdir(fs: ImageFs, dir: string, now: Date): Promise<string[]> {
  const made: string[] = [];
  let cur = '';
  for (const part of dir.split('/').filter((p) => p !== '')) {
    const next = fs.resolve(cur === '' ? part : `${cur}/${part}`);
    const node = fs.get(next);
    if (!node) {
      fs.set(next, { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: now, size: 0 });
      made.push(next);
    } else if (node.type !== 'dir') throw new BerthError('ERR_BUILD', `Cannot mkdir: /${next} is not a directory`);
    cur = next;
  }
  return made;
}
