// The registry auth handshake: anonymous first; on a 401, Basic with the user's credentials or a
// Bearer token from the challenge's realm (distribution's token.md), cached per scope until expiry.
// With an identity token (an OAuth2 refresh token, what `docker login` stores when the token
// server hands one out), tokens come from a POST grant_type=refresh_token (distribution's
// oauth.md); a login asks for one with offline_token=true, so no password needs storing.
import { BerthError, type RegistryCredentials } from '@berth/core';
import { parseChallenges } from './auth-challenge.js';
import type { RegistryHttp } from './registry-http.js';

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Seconds of validity the token spec assumes when the server does not say (token.md: 60). */
const DEFAULT_TOKEN_SECONDS = 60;
/** Renew a little early so a token does not expire between header and request. */
const EXPIRY_MARGIN_MS = 5_000;
/** The OAuth2 client_id berth names itself with (docker says `docker`). */
const CLIENT_ID = 'berth';

export interface RegistryAuthOptions {
  /** A login: ask the token server for a refresh token (offline_token=true) to store instead of the password. */
  offline?: boolean;
}

export class RegistryAuth {
  private basic?: string;
  private bearer?: { realm: string; service?: string };
  private readonly tokens = new Map<string, CachedToken>();
  private credentials?: RegistryCredentials | undefined;
  private looked = false;
  /** The refresh token the token server handed out during a login (offline), if it did. */
  identityToken?: string;

  constructor(
    private readonly lookup: () => Promise<RegistryCredentials | undefined>,
    private readonly options: RegistryAuthOptions = {},
  ) {}

  private async creds(): Promise<RegistryCredentials | undefined> {
    if (!this.looked) {
      this.credentials = await this.lookup();
      this.looked = true;
    }
    return this.credentials;
  }

  /** The Authorization header for a request needing `scope`, when we already hold one. */
  header(scope: string | undefined): string | undefined {
    if (this.basic) return this.basic;
    if (!this.bearer) return undefined;
    const t = this.tokens.get(scope ?? '') ?? (scope === undefined ? undefined : this.tokens.get(''));
    return t && t.expiresAt > Date.now() ? `Bearer ${t.token}` : undefined;
  }

  /** Answers a 401 challenge; false when there is nothing more to try. */
  async answer(header: string | undefined, scope: string | undefined, http: RegistryHttp, signal?: AbortSignal): Promise<boolean> {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const creds = await this.creds();
    if (bearer?.params.realm) {
      this.bearer = { realm: bearer.params.realm, ...(bearer.params.service !== undefined ? { service: bearer.params.service } : {}) };
      const wanted = scope ?? bearer.params.scope;
      const existing = this.tokens.get(scope ?? '');
      if (existing && existing.expiresAt > Date.now() && bearer.params.error !== 'insufficient_scope') return false;
      this.tokens.set(scope ?? '', await this.fetchToken(wanted, creds, http, signal));
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!creds?.username || creds.password === undefined || this.basic) return false;
      this.basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      return true;
    }
    return false;
  }

  private async fetchToken(scope: string | undefined, creds: RegistryCredentials | undefined, http: RegistryHttp, signal?: AbortSignal): Promise<CachedToken> {
    const realm = this.bearer!.realm;
    const url = new URL(realm);
    const headers: Record<string, string> = {};
    let form: URLSearchParams | undefined;
    if (creds?.identityToken) {
      form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: CLIENT_ID });
      if (this.bearer!.service) form.set('service', this.bearer!.service);
      // oauth.md: the scopes space-separated in one parameter.
      if (scope) form.set('scope', scope);
    } else {
      if (this.bearer!.service) url.searchParams.set('service', this.bearer!.service);
      // Several scopes (a mount needs pull on the source repository too) are several parameters.
      for (const s of scope?.split(' ') ?? []) if (s) url.searchParams.append('scope', s);
      if (creds?.username && creds.password !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
        if (this.options.offline) {
          url.searchParams.set('offline_token', 'true');
          url.searchParams.set('client_id', CLIENT_ID);
        }
      }
    }
    const res = await http.external(url.toString(), headers, signal, form).catch((err: unknown) => {
      // Say which server failed: the registry's host alone would point at the wrong one.
      if (err instanceof BerthError && err.code === 'ERR_NETWORK') throw new BerthError('ERR_NETWORK', `token server for ${http.endpoint.host}: ${err.message}`, { cause: err });
      throw err;
    });
    const text = (await res.body.text()).slice(0, 1 << 20);
    if (res.statusCode === 401 || res.statusCode === 403 || (form && res.statusCode === 400)) {
      const what = creds?.identityToken ? 'the stored identity token' : creds?.username ? 'the credentials' : 'anonymous access';
      throw new BerthError('ERR_UNAUTHORIZED', `${http.endpoint.host}: the token server refused ${what} (${res.statusCode}); try 'berth login ${http.endpoint.host}'`);
    }
    if (res.statusCode >= 400) throw new BerthError('ERR_REGISTRY', `token server ${url.host}: ${res.statusCode}`);
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown; refresh_token?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new BerthError('ERR_REGISTRY', `token server ${url.host} answered with something that is not JSON`);
    }
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!token) throw new BerthError('ERR_REGISTRY', `token server ${url.host} sent no token`);
    if (typeof body.refresh_token === 'string' && body.refresh_token !== '') {
      // A rotated refresh token replaces the one in use; a login's is the one to store.
      if (creds?.identityToken) creds.identityToken = body.refresh_token;
      else if (this.options.offline) this.identityToken = body.refresh_token;
    }
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    const issued = typeof body.issued_at === 'string' ? Date.parse(body.issued_at) : NaN;
    const start = Number.isFinite(issued) && Math.abs(issued - Date.now()) < 5 * 60_000 ? issued : Date.now();
    return { token, expiresAt: start + seconds * 1000 - EXPIRY_MARGIN_MS };
  }
}
