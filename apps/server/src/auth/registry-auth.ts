// The registry face's gate: who is asking (Basic against htpasswd, or a Bearer JWT from berthd's
// token service) and whether they may pull, push or delete in a repository. Refusals follow
// distribution: 401 UNAUTHORIZED with a WWW-Authenticate challenge naming the scope when
// credentials (or a token with more scope) could help, 403 DENIED when this user is not granted it.
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../registry/registry-error.js';
import type { AuthConfig, RegistryAction, TokenConfig } from './auth-config.js';
import { canonicalRepository, Grants } from './grants.js';
import { Htpasswd } from './htpasswd.js';
import { TokenSigner, type TokenClaims } from './jwt.js';

/** Verified tokens kept; when full the cache starts over (tokens live minutes, not days). */
const VERIFIED_TOKENS = 4096;

/** The realm Basic challenges name. */
const BASIC_REALM = 'berthd';

export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'user'; user: string }
  | { kind: 'token'; user: string | undefined; claims: TokenClaims };

export function userOf(identity: Identity): string | undefined {
  return identity.kind === 'anonymous' ? undefined : identity.user;
}

export class RegistryAuth {
  readonly grants: Grants;
  private readonly verified = new Map<string, TokenClaims>();

  private constructor(
    readonly config: AuthConfig,
    readonly htpasswd: Htpasswd,
    readonly signer: TokenSigner | undefined,
    private readonly tls: boolean,
  ) {
    this.grants = new Grants(config.anonymous, config.grants);
  }

  static async create(config: AuthConfig, root: string, tls: boolean): Promise<RegistryAuth> {
    const htpasswd = await Htpasswd.open(config.htpasswd);
    const signer = config.token ? await TokenSigner.fromFile(config.token.key ?? join(root, 'berthd', 'token-key.pem'), config.token.key === undefined) : undefined;
    return new RegistryAuth(config, htpasswd, signer, tls);
  }

  get token(): TokenConfig | undefined {
    return this.config.token;
  }

  /** Who sent `req`; a 401 when it carries credentials that are wrong or a token that is not ours. */
  async identify(req: FastifyRequest, reply: FastifyReply): Promise<Identity> {
    const header = req.headers.authorization;
    if (!header) return { kind: 'anonymous' };
    const [scheme = '', value = ''] = header.split(/\s+/, 2);
    if (scheme.toLowerCase() === 'basic') {
      const basic = parseBasic(value);
      // containers/image answers a Basic challenge with empty credentials when it has none.
      if (basic?.user === '' && basic.password === '') return { kind: 'anonymous' };
      if (basic && basic.user !== '' && (await this.htpasswd.verify(basic.user, basic.password))) return { kind: 'user', user: basic.user };
      this.challenge(req, reply, undefined, 'invalid_token');
      throw new RegistryError('UNAUTHORIZED', 401, 'incorrect username or password');
    }
    if (scheme.toLowerCase() === 'bearer' && this.signer && this.token) {
      const claims = this.verifiedToken(value);
      // A token for a user since removed from htpasswd stops working at once, not at its expiry;
      // an anonymous one only while anonymous access is on.
      const holder = claims && (claims.sub === '' ? this.config.anonymous === 'read-only' : await this.htpasswd.has(claims.sub));
      if (claims && holder) return { kind: 'token', user: claims.sub || undefined, claims };
    }
    this.challenge(req, reply, undefined, 'invalid_token');
    throw new RegistryError('UNAUTHORIZED', 401, 'authentication required: the credentials or token are not valid here');
  }

  /**
   * A client sends the same token with every request of a push or pull: its checked claims are
   * kept (in memory, bounded) until it expires, so the ES256 verification runs once per token.
   */
  private verifiedToken(token: string): TokenClaims | undefined {
    const now = Date.now() / 1000;
    const hit = this.verified.get(token);
    if (hit) return hit.exp > now ? hit : undefined;
    const claims = this.signer!.verify(token, { issuer: this.token!.issuer, audience: this.token!.service, use: 'access' });
    if (claims) {
      if (this.verified.size >= VERIFIED_TOKENS) this.verified.clear();
      this.verified.set(token, claims);
    }
    return claims;
  }

  /** What `identity` may do in `repository`: a token's own access list, else the grants. */
  actions(identity: Identity, repository: string): Set<RegistryAction> {
    if (identity.kind !== 'token') return this.grants.actions(userOf(identity), repository);
    const repo = canonicalRepository(repository);
    const out = new Set<RegistryAction>();
    for (const a of identity.claims.access ?? []) {
      if (a.type !== 'repository' || canonicalRepository(a.name) !== repo) continue;
      for (const action of a.actions) out.add(action as RegistryAction);
    }
    return out;
  }

  may(identity: Identity, repository: string, action: RegistryAction): boolean {
    return this.actions(identity, repository).has(action);
  }

  /** The endpoint base `/v2/` (and `docker login`): any valid credentials, or a token. */
  requireLogin(identity: Identity, req: FastifyRequest, reply: FastifyReply): void {
    if (identity.kind !== 'anonymous') return;
    this.challenge(req, reply, undefined);
    throw new RegistryError('UNAUTHORIZED', 401, 'authentication required');
  }

  /** Throws the spec's refusal unless `identity` holds `action` on `repository` (the name as the client sent it). */
  require(identity: Identity, repository: string, action: RegistryAction, req: FastifyRequest, reply: FastifyReply): void {
    if (this.may(identity, repository, action)) return;
    const scope = `repository:${repository}:${action === 'pull' ? 'pull' : action === 'push' ? 'pull,push' : action}`;
    const user = userOf(identity);
    // In token mode anything but a token is sent to the token service first.
    const needsToken = this.signer !== undefined && identity.kind !== 'token';
    if (user === undefined || needsToken) {
      this.challenge(req, reply, scope);
      throw new RegistryError('UNAUTHORIZED', 401, 'authentication required', [{ Type: 'repository', Name: repository, Action: action }]);
    }
    if (identity.kind === 'token' && this.grants.actions(user, repository).has(action)) {
      this.challenge(req, reply, scope, 'insufficient_scope');
      throw new RegistryError('UNAUTHORIZED', 401, 'authentication required: the token does not cover this scope', [{ Type: 'repository', Name: repository, Action: action }]);
    }
    throw new RegistryError('DENIED', 403, 'requested access to the resource is denied', [{ Type: 'repository', Name: repository, Action: action }]);
  }

  /** Sets WWW-Authenticate: Bearer with realm, service, scope (token mode) or Basic. */
  challenge(req: FastifyRequest, reply: FastifyReply, scope: string | undefined, error?: 'invalid_token' | 'insufficient_scope'): void {
    if (!this.token) {
      reply.header('www-authenticate', `Basic realm="${BASIC_REALM}"`);
      return;
    }
    const realm = this.token.realm ?? `${this.tls ? 'https' : 'http'}://${safeHost(req)}/token`;
    const params = [`realm="${realm}"`, `service="${this.token.service}"`];
    if (scope) params.push(`scope="${scope}"`);
    if (error) params.push(`error="${error}"`);
    reply.header('www-authenticate', `Bearer ${params.join(',')}`);
  }
}

export function parseBasic(value: string): { user: string; password: string } | undefined {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The Host the client used, when it is a plain host[:port] (it goes into a quoted header value). */
function safeHost(req: FastifyRequest): string {
  const host = req.headers.host;
  if (host && /^[A-Za-z0-9.\-]+(?::\d+)?$|^\[[0-9A-Fa-f:.]+\](?::\d+)?$/.test(host)) return host;
  const a = req.socket.localAddress ?? '127.0.0.1';
  return `${a.includes(':') ? `[${a}]` : a}:${req.socket.localPort ?? ''}`;
}
