// The docker-credential-<name> protocol (docker-credential-helpers README): `get`, `store` and
// `erase` with the server URL or a JSON payload on stdin. Secrets only travel through pipes.
import { spawn } from 'node:child_process';
import { BerthError, type RegistryCredentials } from '@berth/core';

const NOT_FOUND = 'credentials not found in native keychain';
/** Docker's marker that Secret holds an identity (refresh) token, not a password. */
const TOKEN_USERNAME = '<token>';

function runHelper(name: string, action: 'get' | 'store' | 'erase', input: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${name}`, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new BerthError('ERR_IO', `credential helper docker-credential-${name}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found in PATH' : err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout });
    });
    // A helper may exit without reading what it was given (docker ignores that too): its exit code
    // says how it went, and the broken pipe must not bring berth down.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

function parseHelperAnswer(stdout: string): { Username?: string; Secret?: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(stdout);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { Username?: string; Secret?: string }) : undefined;
  } catch {
    return undefined;
  }
}

export async function helperGet(name: string, serverURL: string): Promise<RegistryCredentials | undefined> {
  const r = await runHelper(name, 'get', serverURL);
  if (r.code !== 0) {
    if (r.stdout.trim() === NOT_FOUND) return undefined;
    // The helper's stdout may echo what it was given; say only that it failed.
    throw new BerthError('ERR_IO', `credential helper docker-credential-${name} failed to get credentials for ${serverURL}`);
  }
  const json = parseHelperAnswer(r.stdout);
  if (!json) throw new BerthError('ERR_IO', `credential helper docker-credential-${name} answered get for ${serverURL} with something that is not a JSON object`);
  if (json.Username === TOKEN_USERNAME) return { identityToken: json.Secret ?? '' };
  return { username: json.Username ?? '', password: json.Secret ?? '' };
}

export async function helperStore(name: string, serverURL: string, creds: RegistryCredentials): Promise<void> {
  const payload = creds.identityToken ? { ServerURL: serverURL, Username: TOKEN_USERNAME, Secret: creds.identityToken } : { ServerURL: serverURL, Username: creds.username ?? '', Secret: creds.password ?? '' };
  const r = await runHelper(name, 'store', JSON.stringify(payload));
  if (r.code !== 0) throw new BerthError('ERR_IO', `credential helper docker-credential-${name} failed to store credentials for ${serverURL}`);
}

export async function helperErase(name: string, serverURL: string): Promise<void> {
  const r = await runHelper(name, 'erase', serverURL);
  if (r.code !== 0 && r.stdout.trim() !== NOT_FOUND) throw new BerthError('ERR_IO', `credential helper docker-credential-${name} failed to erase credentials for ${serverURL}`);
}
