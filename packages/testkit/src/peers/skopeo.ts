// Runs skopeo, the containers/image reference tool, as an interop peer
// (copy between docker-archive:, oci:, docker:// and docker-daemon: locations).

import { requirePeer } from './require-peer.js';
import { run, type RunOptions, type RunResult } from './run.js';

export function skopeo(args: string[], options?: RunOptions): Promise<RunResult> {
  return run(requirePeer('skopeo'), args, options);
}
