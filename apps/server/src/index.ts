// @berth/server: berthd, berth's store served as an OCI distribution registry.
export { buildServer, type ServerOptions } from './server.js';
export { startBerthd, parseListen, type BerthdOptions, type RunningBerthd } from './berthd.js';
