// `berthd --config FILE`: a JSON file with the same settings as the flags (flags win), plus the
// auth section that has no flags. Paths in it are relative to the file's directory.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { BerthError } from '@berth/core';
import { parseAuthConfig, type AuthConfig } from './auth/auth-config.js';
import type { TlsConfig } from './tls.js';

export interface BerthdConfig {
  root?: string;
  listen?: string;
  logLevel?: string;
  chunkMinLength?: number;
  auth?: AuthConfig;
  tls?: TlsConfig;
}

const KEYS = ['root', 'listen', 'logLevel', 'chunkMinLength', 'auth', 'tls'];

function fail(file: string, message: string): never {
  throw new BerthError('ERR_INVALID_ARGUMENT', `${file}: ${message}`);
}

export async function loadConfigFile(file: string): Promise<BerthdConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    fail(file, err instanceof SyntaxError ? `not valid JSON: ${err.message}` : (err as Error).message);
  }
  return parseConfig(raw, file);
}

export function parseConfig(raw: unknown, file: string): BerthdConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(file, 'must hold a JSON object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) fail(file, `unknown key ${JSON.stringify(k)} (known: ${KEYS.join(', ')})`);
  const path = (p: string): string => resolve(dirname(file), p);
  const string = (k: string): string | undefined => {
    if (o[k] === undefined) return undefined;
    if (typeof o[k] !== 'string' || o[k] === '') fail(file, `${k} must be a non-empty string`);
    return o[k];
  };
  const out: BerthdConfig = {};
  const root = string('root');
  if (root !== undefined) out.root = path(root);
  const listen = string('listen');
  if (listen !== undefined) out.listen = listen;
  const logLevel = string('logLevel');
  if (logLevel !== undefined) out.logLevel = logLevel;
  if (o.chunkMinLength !== undefined) {
    if (typeof o.chunkMinLength !== 'number' || !Number.isInteger(o.chunkMinLength) || o.chunkMinLength < 0) fail(file, 'chunkMinLength must be a whole number of bytes');
    out.chunkMinLength = o.chunkMinLength;
  }
  try {
    if (o.auth !== undefined) out.auth = parseAuthConfig(o.auth, path);
  } catch (err) {
    fail(file, (err as Error).message.replace(/^berthd config: /, ''));
  }
  if (o.tls !== undefined) {
    const t = o.tls as Record<string, unknown>;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) fail(file, 'tls must be an object');
    for (const k of Object.keys(t)) if (!['cert', 'key', 'ca'].includes(k)) fail(file, `unknown key ${JSON.stringify(k)} in tls (known: cert, key, ca)`);
    for (const k of ['cert', 'key', 'ca']) if (t[k] !== undefined && (typeof t[k] !== 'string' || t[k] === '')) fail(file, `tls.${k} must be a path`);
    if (t.cert === undefined || t.key === undefined) fail(file, 'tls needs both cert and key');
    out.tls = { cert: path(t.cert as string), key: path(t.key as string), ...(t.ca !== undefined ? { ca: path(t.ca as string) } : {}) };
  }
  return out;
}
