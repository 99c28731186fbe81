// @berth/testkit: fixtures, real peers and contract suites that every berth plugin must pass.
// Each export line belongs to one area; add yours, do not reorder others'.

export * from './peers/run.js';
export * from './peers/require-peer.js';
export * from './peers/dockerd.js';
export * from './peers/skopeo.js';
export * from './peers/umoci.js';
export * from './peers/podman.js';
export * from './peers/registry.js';
export * from './peers/token-server.js';
export * from './fixtures/busybox-rootfs.js';
export * from './fixtures/rootfs-tar.js';
export * from './fixtures/hostile-tar.js';
export * from './fixtures/corrupt-file.js';
export * from './fixtures/random-image-files.js';
export * from './contracts/store-contract.js';
export * from './contracts/registry-contract.js';
export * from './contracts/error-code.js';
export * from './servers/v1-search-server.js';
export * from './registry/byte-proxy.js';
export * from './registry/malicious-registry.js';
export * from './fixtures/random-oci-layout.js';
