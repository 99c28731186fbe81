// TLS for berthd's listeners: `--tls-cert/--tls-key` serve HTTPS; `--tls-ca` also demands a client
// certificate signed by that CA (as dockerd's --tlsverify). The files are read once at start.
import { readFile } from 'node:fs/promises';
import { BerthError } from '@berth/core';

export interface TlsConfig {
  /** PEM certificate chain (absolute path). */
  cert: string;
  /** PEM private key (absolute path). */
  key: string;
  /** PEM CA bundle: clients must present a certificate it signed. */
  ca?: string;
}

/** What node's https.createServer (and fastify's `https` option) takes. */
export interface HttpsOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

async function pem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new BerthError('ERR_INVALID_ARGUMENT', `${what} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

export async function httpsOptions(tls: TlsConfig): Promise<HttpsOptions> {
  const [cert, key, ca] = await Promise.all([pem(tls.cert, '--tls-cert'), pem(tls.key, '--tls-key'), tls.ca ? pem(tls.ca, '--tls-ca') : undefined]);
  return { cert, key, ...(ca ? { ca } : {}), requestCert: ca !== undefined, rejectUnauthorized: ca !== undefined };
}
