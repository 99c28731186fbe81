// Which blobs a repository holds, for when auth is on: the store shares every blob among all
// repositories, but a user granted repository A must not read, mount or reference B's blobs by
// digest. A repository holds a blob that its tags reach (image manifest, config, layers; an
// artifact's or index's blobs), or one that was uploaded, mounted or pushed (manifests by digest)
// into it, remembered as an empty link file `<root>/berthd/links/<repo hash>/<digest>` (as
// distribution's `_layers` links), so it survives a restart.
import { createHash } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDigest, parseManifest, type Digest, type StoreBackend } from '@berth/core';
import type { ArtifactTags } from './artifact-tags.js';
import type { RepositoryName } from './repository-name.js';
import { MAX_MANIFEST_BYTES, readBlob } from './small-blob.js';

export class RepositoryBlobs {
  private readonly dir: string;

  constructor(
    private readonly backend: StoreBackend,
    private readonly artifacts: ArtifactTags,
    berthdDir: string,
  ) {
    this.dir = join(berthdDir, 'links');
  }

  private linkPath(repo: RepositoryName, digest: Digest): string {
    const h = createHash('sha256').update(repo.storeRepository).digest('hex').slice(0, 32);
    return join(this.dir, h, digest.replace(':', '-'));
  }

  /** Records that `digest` was uploaded, mounted or pushed into `repo`. */
  async link(repo: RepositoryName, digest: Digest): Promise<void> {
    const path = this.linkPath(repo, digest);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, '');
  }

  async holds(repo: RepositoryName, digest: string): Promise<boolean> {
    if (!isDigest(digest)) return false;
    if (await access(this.linkPath(repo, digest)).then(() => true, () => false)) return true;
    const snapshot = await this.backend.metadata.read();
    const prefix = `${repo.storeRepository}:`;
    for (const [name, id] of snapshot.tags) {
      if (!name.startsWith(prefix)) continue;
      const image = snapshot.images.get(id);
      if (!image) continue;
      if (image.manifest.digest === digest || image.config.digest === digest || image.layers.some((l) => l.digest === digest)) return true;
      if (image.repoDigests.includes(`${repo.storeRepository}@${digest}`)) return true;
    }
    for (const tagged of Object.values((await this.artifacts.read())[repo.storeRepository] ?? {})) {
      if (tagged.digest === digest || (await this.reaches(tagged.digest, digest, 1))) return true;
    }
    return false;
  }

  /** Whether manifest `from` names `digest` (an index's children, `depth` levels down). */
  private async reaches(from: Digest, digest: Digest, depth: number): Promise<boolean> {
    const info = await this.backend.content.stat(from);
    if (!info || info.size > MAX_MANIFEST_BYTES) return false;
    let parsed;
    try {
      parsed = parseManifest(await readBlob(this.backend.content, from));
    } catch {
      return false;
    }
    if (parsed.kind === 'manifest') {
      const m = parsed.manifest;
      return m.config.digest === digest || m.layers.some((l) => l.digest === digest);
    }
    for (const child of parsed.index.manifests) {
      if (child.digest === digest) return true;
      if (depth > 0 && (await this.reaches(child.digest, digest, depth - 1))) return true;
    }
    return false;
  }
}
