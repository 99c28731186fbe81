// berthd's built-in token service (distribution's docs/spec/auth/token.md and oauth.md):
// `GET /token?service=&scope=` with Basic credentials (or none, for anonymous pull when allowed),
// and `POST /token` with a form (grant_type=password or refresh_token), as containerd and Docker's
// identity-token logins use. A token carries the requested scopes cut down to what the grants give.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorBody, RegistryError } from '../registry/registry-error.js';
import type { RegistryAction } from './auth-config.js';
import type { TokenAccess } from './jwt.js';
import { parseBasic, type RegistryAuth } from './registry-auth.js';

/** Refresh tokens (identity tokens in ~/.docker/config.json) last 90 days; removing the user ends them sooner. */
const REFRESH_SECONDS = 90 * 24 * 3600;
const FORM_LIMIT = 64 * 1024;

/** `repository:team/app:pull,push` → its parts; the name may itself hold colons (`host:5000/x`). */
export function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

export async function registerTokenService(app: FastifyInstance, auth: RegistryAuth): Promise<void> {
  const token = auth.token;
  const signer = auth.signer;
  if (!token || !signer) return;

  const grantedAccess = (user: string | undefined, scopes: string[]): TokenAccess[] => {
    const out: TokenAccess[] = [];
    for (const s of scopes) {
      const scope = parseScope(s);
      if (!scope) continue;
      if (scope.type === 'repository') {
        const allowed = auth.grants.actions(user, scope.name);
        const actions = scope.actions.filter((a) => allowed.has(a as RegistryAction));
        if (actions.length > 0) out.push({ type: 'repository', name: scope.name, actions: [...new Set(actions)] });
      } else if (scope.type === 'registry' && scope.name === 'catalog' && (user !== undefined || auth.config.anonymous === 'read-only')) {
        // The catalog and search are filtered by pull grants, so anyone admitted may ask.
        out.push({ type: 'registry', name: 'catalog', actions: scope.actions });
      }
    }
    return out;
  };

  const issue = (user: string | undefined, scopes: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access = grantedAccess(user, scopes);
    const jwt = signer.sign({ iss: token.issuer, sub: user ?? '', aud: token.service, exp: now + token.expiresIn, nbf: now - 1, iat: now, jti: randomUUID(), access });
    return { jwt, access, now };
  };

  /** A refresh token (offline access): gets `user` new access tokens until it expires or the user goes. */
  const refreshTokenFor = (user: string, now: number): string =>
    signer.sign({ iss: token.issuer, sub: user, aud: token.service, exp: now + REFRESH_SECONDS, nbf: now - 1, iat: now, jti: randomUUID(), use: 'refresh' });

  const checkService = (service: string | undefined): void => {
    if (service !== undefined && service !== token.service) throw new RegistryError('DENIED', 400, `this token service issues tokens for "${token.service}", not ${JSON.stringify(service)}`);
  };

  const refuse = (reply: FastifyReply, message: string): RegistryError => {
    reply.header('www-authenticate', 'Basic realm="berthd"');
    return new RegistryError('UNAUTHORIZED', 401, message);
  };

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    scope.setErrorHandler((err, req, reply) => {
      const e = err instanceof RegistryError ? err : new RegistryError('UNKNOWN', (err as { statusCode?: number }).statusCode ?? 500, 'token request failed');
      if (e.status >= 500) req.log.error({ err }, 'token request failed');
      return reply.code(e.status).header('content-type', 'application/json').send(errorBody(e));
    });

    scope.get('/token', async (req, reply) => {
      const url = new URL(req.url, 'http://berthd');
      checkService(url.searchParams.get('service') ?? undefined);
      let user: string | undefined;
      const header = req.headers.authorization;
      if (header) {
        const basic = /^basic\s+/i.test(header) ? parseBasic(header.replace(/^basic\s+/i, '')) : undefined;
        const empty = basic?.user === '' && basic.password === '';
        if (!empty && (!basic || basic.user === '' || !(await auth.htpasswd.verify(basic.user, basic.password)))) throw refuse(reply, 'incorrect username or password');
        if (!empty) user = basic!.user;
        else if (auth.config.anonymous === 'off') throw refuse(reply, 'authentication required: this registry has no anonymous access');
      } else if (auth.config.anonymous === 'off') {
        throw refuse(reply, 'authentication required: this registry has no anonymous access');
      }
      const { jwt, now } = issue(user, url.searchParams.getAll('scope'));
      // token.md: offline_token=true asks for a refresh token too (docker login stores it instead of the password).
      const refreshToken = user !== undefined && url.searchParams.get('offline_token') === 'true' ? refreshTokenFor(user, now) : undefined;
      req.log.info({ user: user ?? '(anonymous)', scopes: url.searchParams.getAll('scope'), offline: refreshToken !== undefined }, 'token issued');
      return reply.send({ token: jwt, access_token: jwt, expires_in: token.expiresIn, issued_at: new Date(now * 1000).toISOString(), ...(refreshToken ? { refresh_token: refreshToken } : {}) });
    });

    scope.post('/token', async (req, reply) => {
      const form = (req.body ?? {}) as Record<string, string | undefined>;
      checkService(form.service);
      let user: string;
      let refreshToken: string | undefined;
      if (form.grant_type === 'password') {
        if (!form.username || form.password === undefined || !(await auth.htpasswd.verify(form.username, form.password))) throw refuse(reply, 'incorrect username or password');
        user = form.username;
      } else if (form.grant_type === 'refresh_token') {
        const claims = form.refresh_token ? signer.verify(form.refresh_token, { issuer: token.issuer, audience: token.service, use: 'refresh' }) : undefined;
        if (!claims || !(await auth.htpasswd.has(claims.sub))) throw refuse(reply, 'the refresh token is not valid (log in again)');
        user = claims.sub;
        refreshToken = form.refresh_token;
      } else {
        throw new RegistryError('UNSUPPORTED', 400, `grant_type must be password or refresh_token, not ${JSON.stringify(form.grant_type ?? '')}`);
      }
      const scopes = (form.scope ?? '').split(' ').filter(Boolean);
      const { jwt, access, now } = issue(user, scopes);
      if (form.grant_type === 'password' && form.access_type === 'offline') refreshToken = refreshTokenFor(user, now);
      req.log.info({ user, grant: form.grant_type, scopes }, 'token issued');
      const granted = access.map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`).join(' ');
      return reply.send({ access_token: jwt, token: jwt, expires_in: token.expiresIn, issued_at: new Date(now * 1000).toISOString(), scope: granted, ...(refreshToken ? { refresh_token: refreshToken } : {}) });
    });
  });
}
