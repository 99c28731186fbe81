// @berth/server: berthd, berth's store served as an OCI distribution registry and a Docker Engine API image service.
export { buildServer, type ServerOptions } from './server.js';
export { startBerthd, parseListen, type BerthdOptions, type RunningBerthd } from './berthd.js';
export { registerEngineFace, type EngineFaceOptions } from './engine/engine-face.js';
export { API_VERSION, MIN_API_VERSION } from './engine/api-version.js';
export { collectGarbage, DEFAULT_GC_GRACE_MS, type GcOptions, type GcResult } from './gc/gc.js';
