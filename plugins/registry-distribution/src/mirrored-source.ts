// A pull source over several places holding the same repository (mirrors, then the origin): the
// first that serves the manifest asked for is used, as Docker and containers/image do; a blob or
// child manifest it lacks (a partial mirror) is asked of the places after it. Every byte is
// verified against its digest wherever it comes from, so a mirror can make a pull fail, never
// make it wrong.
import type { Readable } from 'node:stream';
import { referenceString, type Descriptor, type Digest, type GetBlobOptions, type ImageSource, type ManifestBytes, type Reference, type SourceImage } from '@berth/core';
import type { RegistrySource } from './registry-source.js';

export interface MirrorCandidate {
  source: RegistrySource;
  /** `host/repository`, for the error when every place fails. */
  where: string;
  mirror: boolean;
}

export class MirroredSource implements ImageSource {
  readonly description: string;
  readonly ranged = true;
  /** Index into candidates of the place that served the top manifest. */
  private chosen = -1;
  private top?: SourceImage;

  constructor(private readonly ref: Reference, private readonly candidates: readonly MirrorCandidate[]) {
    this.description = referenceString(ref);
  }

  /** Which place served the image (`host/repository`), once images() has run. */
  get servedBy(): string | undefined {
    return this.candidates[this.chosen]?.where;
  }

  async images(): Promise<SourceImage[]> {
    if (this.top) return [this.top];
    let lastError: unknown;
    for (let i = 0; i < this.candidates.length; i++) {
      try {
        const [found] = await this.candidates[i]!.source.images();
        if (!found) continue;
        this.chosen = i;
        // The image is named by what the user asked for, never by the mirror it came from.
        this.top = { descriptor: found.descriptor, names: this.ref.digest ? [] : [referenceString(this.ref)] };
        return [this.top];
      } catch (err) {
        // A mirror that is down, refuses us or lacks the tag is skipped (moby continueOnError
        // with a mirror endpoint); the origin's own error is the one reported.
        lastError = err;
      }
    }
    throw lastError;
  }

  getManifest(digest: Digest): Promise<ManifestBytes> {
    return this.fromChosenOn((s) => s.getManifest(digest));
  }

  getBlob(desc: Descriptor, options: GetBlobOptions = {}): Promise<Readable> {
    return this.fromChosenOn((s) => s.getBlob(desc, options));
  }

  /** Asks the chosen place, then the ones after it, until one answers. */
  private async fromChosenOn<T>(ask: (s: RegistrySource) => Promise<T>): Promise<T> {
    if (this.chosen < 0) await this.images();
    let lastError: unknown;
    for (let i = this.chosen; i < this.candidates.length; i++) {
      try {
        return await ask(this.candidates[i]!.source);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  async close(): Promise<void> {
    await Promise.all(this.candidates.map((c) => c.source.close()));
  }
}
