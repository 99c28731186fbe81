// The docker CLI against the suite's own dockerd (started once by global-setup.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { run, type RunOptions, type RunResult } from '@berth/testkit';

const config = mkdtempSync(join(tmpdir(), 'docker-config-'));

export function docker(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const env = { ...process.env, ...(options.env ?? {}), DOCKER_HOST: inject('dockerHost'), DOCKER_CONFIG: config, DOCKER_BUILDKIT: '0' };
  return run('docker', args, { ...options, env });
}

export async function dockerOk(args: string[], options: RunOptions = {}): Promise<string> {
  const r = await docker(args, options);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
