// `docker events` against berthd: what its Engine face did (containers created, started, died,
// destroyed…; images pulled, tagged, deleted…), kept in memory — the last 1,024, as dockerd keeps
// a bounded log — and streamed to GET /events as one JSON object a line, filtered as dockerd does.
import type { FastifyReply } from 'fastify';
import { EngineError } from './engine-error.js';
import { filterArgs } from './engine-filters.js';
import type { EngineRequest } from './image-routes.js';

export interface EngineEvent {
  Type: 'container' | 'image';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  /** Unix seconds and nanoseconds. */
  time: number;
  timeNano: number;
}

const KEPT = 1024;

export class EngineEvents {
  private readonly recent: EngineEvent[] = [];
  private readonly listeners = new Set<(e: EngineEvent) => void>();

  emit(type: EngineEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): void {
    const ms = Date.now();
    const e: EngineEvent = { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local', time: Math.floor(ms / 1000), timeNano: ms * 1e6 };
    this.recent.push(e);
    if (this.recent.length > KEPT) this.recent.shift();
    for (const l of this.listeners) l(e);
  }

  since(timeNano: number): EngineEvent[] {
    return this.recent.filter((e) => e.timeNano >= timeNano);
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * The event as dockerd 20.10 writes it: the deprecated `status`, `id` and `from` first (the docker
 * CLI's `{{.Status}}`, `{{.ID}}` and `{{.From}}` read them), for containers and images.
 */
function wireEvent(e: EngineEvent): Record<string, unknown> {
  const legacy: Record<string, string> = { status: e.Action };
  if (e.Actor.ID !== '') legacy['id'] = e.Actor.ID;
  if (e.Type === 'container' && e.Actor.Attributes['image'] !== undefined) legacy['from'] = e.Actor.Attributes['image'];
  return { ...legacy, ...e };
}

/** Unix seconds as the docker CLI sends `--since`/`--until` (`1732852800.000000000`), in ns. */
function unixNanos(value: string | null, name: string): number | undefined {
  if (value === null || value === '') return undefined;
  if (!/^\d+(\.\d{1,9})?$/.test(value)) throw new EngineError(400, `invalid ${name}: ${value}`);
  return Number(value) * 1e9;
}

/** dockerd's event filters: type, event (the action), container and image (ID or name), label. */
function eventFilter(raw: string | null): (e: EngineEvent) => boolean {
  const wanted = new Map<string, string[]>();
  for (const arg of filterArgs(raw)) {
    const i = arg.indexOf('=');
    const key = arg.slice(0, i);
    if (!['type', 'event', 'container', 'image', 'label'].includes(key)) throw new EngineError(400, `invalid filter '${key}'`);
    wanted.set(key, [...(wanted.get(key) ?? []), arg.slice(i + 1)]);
  }
  const any = (key: string, test: (v: string) => boolean): boolean => {
    const values = wanted.get(key);
    return !values || values.some(test);
  };
  const names = (e: EngineEvent): string[] => [e.Actor.ID, e.Actor.ID.slice(0, 12), e.Actor.Attributes['name'] ?? ''].filter((n) => n !== '');
  return (e) =>
    any('type', (v) => v === e.Type) &&
    any('event', (v) => v === e.Action || e.Action.startsWith(`${v}:`)) &&
    any('container', (v) => e.Type === 'container' && names(e).includes(v)) &&
    any('image', (v) => (e.Type === 'image' ? names(e).includes(v) : e.Actor.Attributes['image'] === v)) &&
    any('label', (v) => {
      const [k, val] = v.split('=', 2) as [string, string | undefined];
      return e.Actor.Attributes[k!] !== undefined && (val === undefined || e.Actor.Attributes[k!] === val);
    });
}

/** GET /events: what happened since `since`, then what happens, until `until` or the client leaves. */
export async function streamEvents(events: EngineEvents, r: EngineRequest): Promise<void> {
  const since = unixNanos(r.query.get('since'), 'since');
  const until = unixNanos(r.query.get('until'), 'until');
  const matches = eventFilter(r.query.get('filters'));
  const reply: FastifyReply = r.reply;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.flushHeaders();
  const write = (e: EngineEvent): void => {
    if (until !== undefined && e.timeNano > until) return;
    if (matches(e)) res.write(`${JSON.stringify(wireEvent(e))}\n`);
  };
  if (since !== undefined) for (const e of events.since(since)) write(e);
  if (until !== undefined && until <= Date.now() * 1e6) return void res.end();
  const unsubscribe = events.subscribe(write);
  const timer = until === undefined ? undefined : setTimeout(() => res.end(), until / 1e6 - Date.now());
  await new Promise<void>((resolve) => {
    res.once('close', resolve);
    res.once('finish', resolve);
  });
  unsubscribe();
  if (timer) clearTimeout(timer);
}
