// `docker image inspect -f` runs the template on the docker CLI's typed image.InspectResponse
// first, and on the JSON decoded as maps only when that fails. These stand-ins give the template
// engine those Go types (docker CLI 28, checked field by field against its output): struct fields
// in Go's order (`ID`, not the JSON's `Id`); the image config as the OCI config with docker's
// extension, two embedded structs (printed nested, fields promoted); `omitempty` in `json`; and
// time.Time with nanoseconds. Fields the types lack (`.Id`, `.Config.Hostname`) fail here and are
// then read from the maps, as docker reads them.
import { marshalGoJSON } from '../format/go-json.js';
import { goNil, GoNilPointer, goStringMap, NIL_POINTER } from '../format/go-value.js';
import { sprint } from '../format/go-printf.js';
import type { ImageInspect } from './inspect.js';

type JsonObject = Record<string, unknown>;

/** Go's value for a JSON value typed as a Go struct field: null and absent are Go's zero values. */
const stringOf = (v: unknown): string => (typeof v === 'string' ? v : '');
const boolOf = (v: unknown): boolean => v === true;
// A slice or map the JSON has as null (or not at all) is Go's nil one: printed `[]` or `map[]`,
// null in JSON (`{{json .Config.Cmd}}`).
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null;
const slice = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : goNil([]));
/** map[string]string (Labels, GraphDriver.Data). */
const stringMap = (v: unknown): Map<string, string> => {
  const m = goStringMap(isObject(v) ? Object.entries(v).map(([k, e]): [string, string] => [k, stringOf(e)]) : []);
  return isObject(v) ? m : goNil(m);
};
/** map[string]struct{} (ExposedPorts, Volumes): every value prints `{}`. */
const setMap = (v: unknown): Map<string, object> => (isObject(v) ? new Map(Object.keys(v).map((k) => [k, {}])) : goNil(new Map()));
/** A pointer to a struct: nil, or the struct as the JSON has it. */
const pointer = (v: unknown): unknown => (isObject(v) ? v : NIL_POINTER);

/** encoding/json's `omitempty`: false, 0, "", nil, and empty slices and maps are left out. */
function isEmptyValue(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '' || v instanceof GoNilPointer) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  return false;
}

/** A struct's JSON: its fields in order, those in `omitEmpty` left out when empty. */
function structJSON(struct: object, omitEmpty: ReadonlySet<string>, rename: Record<string, string> = {}): string {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(struct)) {
    if (omitEmpty.has(name) && isEmptyValue(value)) continue;
    out[rename[name] ?? name] = value;
  }
  // A plain object is a struct to the encoder: fields in insertion order.
  return marshalGoJSON(out, { escapeHTML: true });
}

/** time.Time from RFC 3339 text; a Date would lose the nanoseconds. */
export class GoTime {
  // Private (#): a struct stand-in shows its own properties as fields.
  readonly #text: string;
  readonly #parts: { date: string; clock: string; fraction: string; offset: string } | undefined;

  constructor(text: string) {
    this.#text = text;
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
    this.#parts = m ? { date: m[1]!, clock: m[2]!, fraction: (m[3] ?? '').replace(/0+$/, ''), offset: m[4]! } : undefined;
  }

  /** "2006-01-02 15:04:05.999999999 -0700 MST"; a fixed offset has no zone name, so it is repeated. */
  String(): string {
    if (!this.#parts) return this.#text;
    const { date, clock, fraction, offset } = this.#parts;
    const zone = offset === 'Z' ? '+0000 UTC' : `${offset.replace(':', '')} ${offset.replace(':', '')}`;
    return `${date} ${clock}${fraction ? `.${fraction}` : ''} ${zone}`;
  }

  /** RFC 3339 with nanoseconds, trailing zeros dropped. */
  MarshalJSON(): string {
    if (!this.#parts) return JSON.stringify(this.#text);
    const { date, clock, fraction, offset } = this.#parts;
    return JSON.stringify(`${date}T${clock}${fraction ? `.${fraction}` : ''}${offset}`);
  }
}

const OCI_CONFIG_OMIT_EMPTY = new Set(['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped', 'Healthcheck', 'OnBuild', 'Shell']);

/**
 * dockerspec.DockerOCIImageConfig: ocispec.ImageConfig and DockerOCIImageConfigExt embedded.
 * Their fields are its own here (promoted, as Go reads `.Config.Env`); String and MarshalJSON
 * give Go's nested printing and flattened JSON.
 */
export class DockerOCIImageConfig {
  readonly User: string;
  readonly ExposedPorts: Map<string, object>;
  readonly Env: unknown[];
  readonly Entrypoint: unknown[];
  readonly Cmd: unknown[];
  readonly Volumes: Map<string, object>;
  readonly WorkingDir: string;
  readonly Labels: Map<string, string>;
  readonly StopSignal: string;
  readonly ArgsEscaped: boolean;
  readonly Healthcheck: unknown;
  readonly OnBuild: unknown[];
  readonly Shell: unknown[];

  constructor(c: JsonObject) {
    this.User = stringOf(c.User);
    this.ExposedPorts = setMap(c.ExposedPorts);
    this.Env = slice(c.Env);
    this.Entrypoint = slice(c.Entrypoint);
    this.Cmd = slice(c.Cmd);
    this.Volumes = setMap(c.Volumes);
    this.WorkingDir = stringOf(c.WorkingDir);
    this.Labels = stringMap(c.Labels);
    this.StopSignal = stringOf(c.StopSignal);
    this.ArgsEscaped = boolOf(c.ArgsEscaped);
    this.Healthcheck = pointer(c.Healthcheck);
    this.OnBuild = slice(c.OnBuild);
    this.Shell = slice(c.Shell);
  }

  String(): string {
    const { User, ExposedPorts, Env, Entrypoint, Cmd, Volumes, WorkingDir, Labels, StopSignal, ArgsEscaped, Healthcheck, OnBuild, Shell } = this;
    return sprint({ ImageConfig: { User, ExposedPorts, Env, Entrypoint, Cmd, Volumes, WorkingDir, Labels, StopSignal, ArgsEscaped }, Ext: { Healthcheck, OnBuild, Shell } });
  }

  MarshalJSON(): string {
    return structJSON(this, OCI_CONFIG_OMIT_EMPTY);
  }
}

const CONTAINER_CONFIG_OMIT_EMPTY = new Set(['ExposedPorts', 'Healthcheck', 'ArgsEscaped', 'NetworkDisabled', 'MacAddress', 'StopSignal', 'StopTimeout', 'Shell']);

/** container.Config (the ContainerConfig of images built by the classic builder). */
export class GoContainerConfig {
  readonly Hostname: string;
  readonly Domainname: string;
  readonly User: string;
  readonly AttachStdin: boolean;
  readonly AttachStdout: boolean;
  readonly AttachStderr: boolean;
  readonly ExposedPorts: Map<string, object>;
  readonly Tty: boolean;
  readonly OpenStdin: boolean;
  readonly StdinOnce: boolean;
  readonly Env: unknown[];
  readonly Cmd: unknown[];
  readonly Healthcheck: unknown;
  readonly ArgsEscaped: boolean;
  readonly Image: string;
  readonly Volumes: Map<string, object>;
  readonly WorkingDir: string;
  readonly Entrypoint: unknown[];
  readonly NetworkDisabled: boolean;
  readonly MacAddress: string;
  readonly OnBuild: unknown[];
  readonly Labels: Map<string, string>;
  readonly StopSignal: string;
  /** *int: nil unless set. */
  readonly StopTimeout: number | GoNilPointer;
  readonly Shell: unknown[];

  constructor(c: JsonObject) {
    this.Hostname = stringOf(c.Hostname);
    this.Domainname = stringOf(c.Domainname);
    this.User = stringOf(c.User);
    this.AttachStdin = boolOf(c.AttachStdin);
    this.AttachStdout = boolOf(c.AttachStdout);
    this.AttachStderr = boolOf(c.AttachStderr);
    this.ExposedPorts = setMap(c.ExposedPorts);
    this.Tty = boolOf(c.Tty);
    this.OpenStdin = boolOf(c.OpenStdin);
    this.StdinOnce = boolOf(c.StdinOnce);
    this.Env = slice(c.Env);
    this.Cmd = slice(c.Cmd);
    this.Healthcheck = pointer(c.Healthcheck);
    this.ArgsEscaped = boolOf(c.ArgsEscaped);
    this.Image = stringOf(c.Image);
    this.Volumes = setMap(c.Volumes);
    this.WorkingDir = stringOf(c.WorkingDir);
    this.Entrypoint = slice(c.Entrypoint);
    this.NetworkDisabled = boolOf(c.NetworkDisabled);
    this.MacAddress = stringOf(c.MacAddress);
    this.OnBuild = slice(c.OnBuild);
    this.Labels = stringMap(c.Labels);
    this.StopSignal = stringOf(c.StopSignal);
    this.StopTimeout = typeof c.StopTimeout === 'number' ? c.StopTimeout : NIL_POINTER;
    this.Shell = slice(c.Shell);
  }

  MarshalJSON(): string {
    return structJSON(this, CONTAINER_CONFIG_OMIT_EMPTY);
  }
}

const INSPECT_OMIT_EMPTY = new Set(['Created', 'Container', 'ContainerConfig', 'Variant', 'OsVersion', 'VirtualSize', 'Descriptor', 'Manifests']);

/** image.InspectResponse. */
export class GoImageInspect {
  readonly ID: string;
  readonly RepoTags: string[];
  readonly RepoDigests: string[];
  readonly Parent: string;
  readonly Comment: string;
  readonly Created: string;
  readonly Container: string;
  readonly ContainerConfig: GoContainerConfig | GoNilPointer;
  readonly DockerVersion: string;
  readonly Author: string;
  readonly Config: DockerOCIImageConfig | GoNilPointer;
  readonly Architecture: string;
  readonly Variant: string;
  readonly Os: string;
  readonly OsVersion: string;
  readonly Size: number;
  readonly VirtualSize: number;
  readonly GraphDriver: { Data: Map<string, string>; Name: string };
  readonly RootFS: RootFS;
  readonly Metadata: { LastTagTime: GoTime };
  /** *ocispec.Descriptor and []ManifestSummary: the API berth speaks (1.41) has neither. */
  readonly Descriptor: GoNilPointer;
  readonly Manifests: unknown[];

  constructor(i: ImageInspect) {
    this.ID = i.Id;
    this.RepoTags = i.RepoTags;
    this.RepoDigests = i.RepoDigests;
    this.Parent = i.Parent;
    this.Comment = i.Comment;
    this.Created = i.Created;
    this.Container = i.Container ?? '';
    this.ContainerConfig = i.ContainerConfig ? new GoContainerConfig(i.ContainerConfig as unknown as JsonObject) : NIL_POINTER;
    this.DockerVersion = i.DockerVersion;
    this.Author = i.Author;
    this.Config = i.Config ? new DockerOCIImageConfig(i.Config as unknown as JsonObject) : NIL_POINTER;
    this.Architecture = i.Architecture;
    this.Variant = i.Variant ?? '';
    this.Os = i.Os;
    this.OsVersion = i.OsVersion ?? '';
    this.Size = i.Size;
    this.VirtualSize = i.VirtualSize;
    this.GraphDriver = { Data: stringMap(i.GraphDriver.Data), Name: i.GraphDriver.Name };
    this.RootFS = new RootFS(i.RootFS.Type, i.RootFS.Layers);
    this.Metadata = { LastTagTime: new GoTime(i.Metadata.LastTagTime) };
    this.Descriptor = NIL_POINTER;
    this.Manifests = goNil([]);
  }

  MarshalJSON(): string {
    return structJSON(this, INSPECT_OMIT_EMPTY, { ID: 'Id' });
  }
}

/** image.RootFS: Layers omitted from the JSON when empty. */
export class RootFS {
  constructor(readonly Type: string, readonly Layers: string[]) {}

  MarshalJSON(): string {
    return structJSON(this, new Set(['Layers']));
  }
}

/** What `-f` templates run on first for one `image inspect` element. */
export function imageInspectTemplateData(inspect: ImageInspect): GoImageInspect {
  return new GoImageInspect(inspect);
}
