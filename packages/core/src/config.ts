// The image configuration (OCI image-spec config.md; Docker's image JSON is a superset).
// Its sha256 is the image ID, so berth never re-serialises a config it did not create.
import { BerthError } from './errors.js';
import { isDigest, type Digest } from './digest.js';

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The runtime defaults of a container (`config` in the image JSON). */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[] | null;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
  // Docker's legacy fields, kept when present so `inspect` shows them.
  comment?: string;
  container?: string;
  container_config?: ContainerConfig;
  docker_version?: string;
  parent?: string;
  id?: string;
}

function fail(what: string, why: string): never {
  throw new BerthError('ERR_CONFIG_INVALID', `${what}: ${why}`);
}

export function parseImageConfig(bytes: Uint8Array | string, what = 'image config'): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch {
    fail(what, 'not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail(what, 'not a JSON object');
  const c = doc as Record<string, unknown>;
  if (typeof c.architecture !== 'string') fail(what, 'architecture is missing');
  if (typeof c.os !== 'string') fail(what, 'os is missing');
  const rootfs = c.rootfs as Record<string, unknown> | undefined;
  if (typeof rootfs !== 'object' || rootfs === null || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)) {
    fail(what, 'rootfs must be {"type":"layers","diff_ids":[…]}');
  }
  for (const d of rootfs.diff_ids as unknown[]) {
    if (typeof d !== 'string' || !isDigest(d)) fail(what, `invalid diff_id ${JSON.stringify(d)}`);
  }
  if (c.created !== undefined && (typeof c.created !== 'string' || Number.isNaN(Date.parse(c.created)))) fail(what, 'created is not an RFC 3339 time');
  if (c.history !== undefined && !Array.isArray(c.history)) fail(what, 'history is not an array');
  if (c.config !== undefined && c.config !== null && (typeof c.config !== 'object' || Array.isArray(c.config))) fail(what, 'config is not an object');
  const nonEmpty = ((c.history as HistoryEntry[] | undefined) ?? []).filter((h) => !h.empty_layer).length;
  if (c.history !== undefined && (c.history as unknown[]).length > 0 && nonEmpty !== (rootfs.diff_ids as unknown[]).length) {
    fail(what, `history has ${nonEmpty} layer entries but rootfs has ${(rootfs.diff_ids as unknown[]).length} diff_ids`);
  }
  return c as unknown as ImageConfig;
}

/** Bytes berth writes for a config it creates (Go's json.Marshal escapes <, > and & the same way). */
export function configBytes(c: ImageConfig): Buffer {
  return Buffer.from(goJson(c));
}

/** JSON.stringify with Go's HTML escaping, so our configs hash like Docker's for the same content. */
export function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
