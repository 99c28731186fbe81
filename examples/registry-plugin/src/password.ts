// Password hashes for the dir registry's users: scrypt with a random salt, compared in constant
// time, so the config file never holds a password.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const KEYLEN = 32;

/** `scrypt$<salt>$<hash>` (base64url), for the `users` map of the plugin's settings. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${scryptSync(password, salt, KEYLEN).toString('base64url')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = scryptSync(password, Buffer.from(salt, 'base64url'), expected.length || KEYLEN);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
