// `docker top`: the host's `ps` over a running container's processes, as moby's daemon does it
// (daemon/top_unix.go): `ps ARGS -qPID,PID…` (again without `-q` when the arguments refuse it),
// then only the rows of the container's PIDs, the last column keeping its spaces.
import { spawn } from 'node:child_process';
import { BerthError } from '../errors.js';

export interface ContainerTop {
  Titles: string[];
  Processes: string[][];
}

/** moby's validatePSArgs: a `-o` column may be renamed, but never to hide the PID column. */
export function checkPsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+([^\s]*)=\s*(PID[^\s]*)/g)) {
    if (m[1] !== 'pid') throw new BerthError('ERR_INVALID_ARGUMENT', `specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

/** moby's parsePSOutput: the header's titles, and the rows (with their thread lines) of `pids`. */
export function parsePsOutput(output: string, pids: readonly number[]): ContainerTop {
  const lines = output.split('\n');
  const titles = fields(lines[0] ?? '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex === -1) throw new BerthError('ERR_INVALID_ARGUMENT', "Couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const processes: string[][] = [];
  // With `-m`, thread lines (PID `-`) follow their process: kept when it is the container's.
  let previousKept = false;
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    const f = fields(line);
    const pid = f[pidIndex] ?? '';
    if (pid === '-') {
      if (previousKept) processes.push(joinOverhang(f, titles.length));
      continue;
    }
    const n = Number(pid);
    if (!/^\d+$/.test(pid)) throw new BerthError('ERR_INVALID_ARGUMENT', `Unexpected pid '${pid}'`);
    previousKept = wanted.has(n);
    if (previousKept) processes.push(joinOverhang(f, titles.length));
  }
  return { Titles: titles, Processes: processes };
}

/** Splits on ASCII white space only, as moby's fieldsASCII (a command may hold other spaces). */
function fields(line: string): string[] {
  return line.split(/[ \t\n\v\f\r]+/).filter((s) => s !== '');
}

/** As many cells as titles: the last one (the command) takes what overhangs, joined by spaces. */
function joinOverhang(f: string[], columns: number): string[] {
  return [...f.slice(0, columns - 1), f.slice(columns - 1).join(' ')];
}

function ps(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ps', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Runs the host's ps for `pids` with the user's arguments (default `-ef`) and keeps their rows. */
export async function topOf(pids: readonly number[], psArgs: string): Promise<ContainerTop> {
  const argsText = psArgs === '' ? '-ef' : psArgs;
  checkPsArgs(argsText);
  const args = argsText.split(' ');
  let r = await ps([...args, `-q${pids.join(',')}`]);
  // Some options (such as `f`) cannot go with -q: ask again for every process.
  if (r.code !== 0) r = await ps(args);
  if (r.code !== 0) throw new BerthError('ERR_INVALID_ARGUMENT', `ps: ${r.stderr.split('\n')[0] || `exit status ${r.code}`}`);
  return parsePsOutput(r.stdout, pids);
}
