// `docker exec` against berthd: POST /containers/{id}/exec records an exec instance, POST
// /exec/{id}/start runs it (the connection taken over as attach's, or detached), GET
// /exec/{id}/json gives its exit code, which is how docker's CLI learns it. Instances live in
// memory, as dockerd keeps them; the process runs through ContainerService.exec (runc exec).
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { BerthError, type ContainerService } from '@berth/core';
import { EngineError } from './engine-error.js';
import type { EngineRequest } from './image-routes.js';
import { stdContentType, stdFrame, type StdStream } from './stdcopy.js';
import type { ContainerHub } from './container-hub.js';

interface ExecInstance {
  id: string;
  containerId: string;
  cmd: string[];
  env: string[];
  user: string;
  workdir: string;
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  running: boolean;
  exitCode: number | null;
}

interface ExecBody {
  Cmd?: unknown;
  Env?: unknown;
  User?: unknown;
  WorkingDir?: unknown;
  Tty?: unknown;
  AttachStdin?: unknown;
  AttachStdout?: unknown;
  AttachStderr?: unknown;
  Detach?: unknown;
}

function stringList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw new EngineError(400, `invalid ${field}: expected an array of strings`);
}

/** Finished instances are forgotten after this many, oldest first (dockerd drops them with the container). */
const KEEP_FINISHED = 256;

export class ExecInstances {
  private readonly instances = new Map<string, ExecInstance>();

  constructor(
    readonly containers: ContainerService,
    /** Tells `docker events` of exec_create, exec_start and exec_die, as dockerd does. */
    private readonly hub?: ContainerHub,
  ) {}

  private async emit(e: ExecInstance, action: string, extra: Record<string, string> = {}): Promise<void> {
    if (!this.hub) return;
    const rec = await this.containers.find(e.containerId).catch(() => undefined);
    if (rec) this.hub.emit(rec, action, { execID: e.id, ...extra });
  }

  async create(name: string, body: ExecBody): Promise<ExecInstance> {
    const rec = await this.containers.find(name);
    if (!rec.State.Running) throw new BerthError('ERR_CONTAINER_CONFLICT', `container ${rec.Id} is not running`);
    if (rec.State.Paused) throw new BerthError('ERR_CONTAINER_CONFLICT', `Container ${name} is paused, unpause the container before exec`);
    const cmd = stringList(body.Cmd, 'Cmd');
    if (cmd.length === 0) throw new EngineError(400, 'No exec command specified');
    const e: ExecInstance = {
      id: randomBytes(32).toString('hex'),
      containerId: rec.Id,
      cmd,
      env: stringList(body.Env, 'Env'),
      user: typeof body.User === 'string' ? body.User : '',
      workdir: typeof body.WorkingDir === 'string' ? body.WorkingDir : '',
      tty: body.Tty === true,
      stdin: body.AttachStdin === true,
      stdout: body.AttachStdout === true,
      stderr: body.AttachStderr === true,
      running: false,
      exitCode: null,
    };
    this.instances.set(e.id, e);
    this.forgetOld();
    await this.emit(e, `exec_create: ${e.cmd.join(' ')}`);
    return e;
  }

  get(id: string): ExecInstance {
    const e = this.instances.get(id);
    if (!e) throw new EngineError(404, `No such exec instance: ${id}`);
    return e;
  }

  /** Runs the instance once: its exit code is recorded before `io` ends. */
  async run(e: ExecInstance, io: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream }, detach: boolean): Promise<number> {
    if (e.running || e.exitCode !== null) throw new BerthError('ERR_CONTAINER_CONFLICT', `exec ${e.id} has already run`);
    e.running = true;
    await this.emit(e, `exec_start: ${e.cmd.join(' ')}`);
    try {
      e.exitCode = await this.containers.exec(
        e.containerId,
        { cmd: e.cmd, env: e.env, ...(e.user ? { user: e.user } : {}), ...(e.workdir ? { workdir: e.workdir } : {}), tty: e.tty, detach },
        { ...(io.stdin ? { stdin: io.stdin as import('node:stream').Readable } : {}), ...(io.stdout ? { stdout: io.stdout } : {}), ...(io.stderr ? { stderr: io.stderr } : {}) },
      );
    } catch (err) {
      const code = (err as { exitCode?: unknown }).exitCode;
      e.exitCode = typeof code === 'number' ? code : 126;
      throw err;
    } finally {
      e.running = false;
      await this.emit(e, 'exec_die', { exitCode: String(e.exitCode) });
    }
    return e.exitCode;
  }

  private forgetOld(): void {
    const finished = [...this.instances.values()].filter((e) => e.exitCode !== null);
    for (const e of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.instances.delete(e.id);
  }
}

export async function createExec(execs: ExecInstances, name: string, body: ExecBody, r: EngineRequest): Promise<void> {
  const e = await execs.create(name, body);
  await r.reply.code(201).header('content-type', 'application/json').send(`${JSON.stringify({ Id: e.id })}\n`);
}

/** A Writable that frames what it gets onto the hijacked socket. */
function framed(socket: Socket, stream: StdStream, tty: boolean): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!socket.writable) return cb();
      if (socket.write(stdFrame(stream, chunk, tty))) cb();
      else socket.once('drain', () => cb());
    },
  });
}

/**
 * POST /exec/{id}/start: detached, the process is started and the answer is empty; attached, the
 * connection is taken over and carries the process's output (and the client's input) until it
 * ends. A process that cannot start says why on the stream, as dockerd does, and its exit code
 * (126/127) is what /json reports.
 */
export async function startExec(execs: ExecInstances, id: string, body: ExecBody, r: EngineRequest): Promise<void> {
  const e = execs.get(id);
  if (e.running || e.exitCode !== null) throw new EngineError(409, `exec ${id} has already run`);
  if (body.Detach === true) {
    await execs.run(e, {}, true);
    return void (await r.reply.code(200).send());
  }
  const socket = r.req.raw.socket as Socket;
  r.reply.hijack();
  const upgraded = r.req.headers.upgrade !== undefined;
  socket.on('error', () => socket.destroy());
  socket.write(
    `HTTP/1.1 ${upgraded ? '101 UPGRADED' : '200 OK'}\r\nContent-Type: ${stdContentType(e.tty)}\r\n` +
      `${upgraded ? 'Connection: Upgrade\r\nUpgrade: tcp\r\n' : ''}Api-Version: ${r.reply.raw.getHeader('api-version') as string}\r\n\r\n`,
  );
  const stdout = framed(socket, 'stdout', e.tty);
  try {
    await execs.run(e, { ...(e.stdin ? { stdin: socket } : {}), ...(e.stdout ? { stdout } : {}), ...(e.stderr ? { stderr: framed(socket, 'stderr', e.tty) } : {}) }, false);
  } catch (err) {
    stdout.write(Buffer.from(`${(err as Error).message}\r\n`));
  }
  await new Promise<void>((resolve) => stdout.end(resolve));
  socket.end();
}

/** GET /exec/{id}/json: what docker's CLI reads the exit code from. */
export function inspectExec(execs: ExecInstances, id: string): unknown {
  const e = execs.get(id);
  return {
    ID: e.id,
    Running: e.running,
    ExitCode: e.exitCode,
    ProcessConfig: { tty: e.tty, entrypoint: e.cmd[0], arguments: e.cmd.slice(1), privileged: false, user: e.user },
    OpenStdin: e.stdin,
    OpenStderr: e.stderr,
    OpenStdout: e.stdout,
    CanRemove: false,
    ContainerID: e.containerId,
    DetachKeys: '',
    Pid: 0,
  };
}
