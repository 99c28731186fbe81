// Runs umoci, the OCI image-layout tool, as an interop peer (unpack, repack, inspect layouts).

import { requirePeer } from './require-peer.js';
import { run, type RunOptions, type RunResult } from './run.js';

export function umoci(args: string[], options?: RunOptions): Promise<RunResult> {
  return run(requirePeer('umoci'), args, options);
}
