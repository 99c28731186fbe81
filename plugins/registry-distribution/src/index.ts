// @berth/registry-distribution: the OCI Distribution / Docker Registry v2 adapter, and Docker's
// client config as berth's credential store.
export * from './plugin.js';
export * from './distribution-adapter.js';
export * from './registry-endpoint.js';
export * from './auth-challenge.js';
export * from './docker-config.js';
export * from './registries-config.js';
export { MirroredSource } from './mirrored-source.js';
export { RegistryClient, MANIFEST_ACCEPT } from './registry-client.js';
export { RegistryHttp } from './registry-http.js';
export { RegistryAuth } from './registry-auth.js';
