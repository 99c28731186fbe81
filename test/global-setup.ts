// Starts one private dockerd for the whole e2e project and hands its DOCKER_HOST to the tests
// (`inject('dockerHost')`); teardown stops it and removes its data, mounts included.

import type { TestProject } from 'vitest/node';
import { startDockerd, type DockerPeer } from '@berth/testkit';

declare module 'vitest' {
  export interface ProvidedContext {
    dockerHost: string;
  }
}

let peer: DockerPeer | undefined;

export async function setup(project: TestProject): Promise<void> {
  peer = await startDockerd();
  project.provide('dockerHost', peer.host);
}

export async function teardown(): Promise<void> {
  await peer?.stop();
  peer = undefined;
}
