// JWTs for the token service (distribution's docs/spec/auth/jwt.md), ES256 with Node's crypto: the
// key berthd holds signs and verifies. Verification checks the algorithm (only ES256; never `none`),
// the key id, the signature, the issuer, the audience (the service) and the validity window.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BerthError } from '@berth/core';

/** Seconds of clock skew tolerated on exp and nbf. */
const LEEWAY_S = 30;

export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access?: TokenAccess[];
  /** berthd's own: `refresh` for refresh tokens, which never authorize a registry request. */
  use?: 'access' | 'refresh';
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export class TokenSigner {
  readonly kid: string;
  private readonly publicKey: KeyObject;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new BerthError('ERR_INVALID_ARGUMENT', 'the token key must be an EC P-256 private key (openssl ecparam -name prime256v1 -genkey)');
    }
    this.publicKey = createPublicKey(privateKey);
    // libtrust-style key ids are long; a short hash of the public key names it just as well.
    this.kid = createHash('sha256').update(this.publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);
  }

  /** The PEM key at `file`; with `generate`, a new one is created there (mode 0600) when missing. */
  static async fromFile(file: string, generate: boolean): Promise<TokenSigner> {
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !generate) throw new BerthError('ERR_INVALID_ARGUMENT', `token key ${file}: ${(err as Error).message}`);
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await mkdir(dirname(file), { recursive: true });
      // `wx`: two berthds starting at once must not overwrite each other's key.
      await writeFile(file, pem, { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
        pem = await readFile(file, 'utf8');
      });
    }
    return new TokenSigner(createPrivateKey(pem));
  }

  sign(claims: TokenClaims): string {
    const header = { alg: 'ES256', typ: 'JWT', kid: this.kid };
    const signing = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signing), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${signing}.${b64url(signature)}`;
  }

  /** The claims of a token this signer issued for `audience`; undefined for anything else. */
  verify(token: string, expected: { issuer: string; audience: string; use: 'access' | 'refresh' }): TokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: unknown; kid?: unknown };
    let claims: TokenClaims;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
      if (header.alg !== 'ES256' || header.kid !== this.kid) return undefined;
      if (!verify('sha256', Buffer.from(`${h}.${p}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) return undefined;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims !== 'object' || claims === null) return undefined;
    if (claims.iss !== expected.issuer || claims.aud !== expected.audience) return undefined;
    if (typeof claims.exp !== 'number' || claims.exp + LEEWAY_S < now) return undefined;
    if (typeof claims.nbf === 'number' && claims.nbf - LEEWAY_S > now) return undefined;
    if ((claims.use ?? 'access') !== expected.use || typeof claims.sub !== 'string') return undefined;
    return claims;
  }
}
