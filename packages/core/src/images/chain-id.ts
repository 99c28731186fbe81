// Chain IDs (OCI image-spec config.md "Layer ChainID"): the identity of a layer stack, which is
// what Docker reports as deleted layers and what the runtime caches unpacked rootfs by.
import { sha256, type Digest } from '../digest.js';

export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256(`${prev} ${d}`));
  }
  return out;
}
