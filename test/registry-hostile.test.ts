// A registry that lies (testkit's malicious registry): wrong blob bytes, a manifest that is not what
// its digest says, a layer that is not its diff_id, a truncated body, a manifest that is not JSON, a
// redirect loop, a token endpoint and a blob body that hang. berth refuses each with one clear line,
// keeps nothing (the store's files are exactly as before), and gives up within its timeouts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { MALICIOUS_REPOS, startMaliciousRegistry, type MaliciousRegistry } from '@berth/testkit';
import { fingerprint, newStore, type Store } from './support/berth.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
/** Seconds: connect, headers and body-gap timeouts, so hanging servers are refused fast. */
const TIMEOUT_S = 1;
const env = { BERTH_REGISTRY_TIMEOUT: String(TIMEOUT_S) };

let evil: MaliciousRegistry;
let store: Store;

beforeAll(async () => {
  evil = await startMaliciousRegistry();
  store = await newStore();
  await store.ok(['images']); // the store exists before, so a fingerprint can compare
});

afterAll(async () => {
  await evil?.close();
  await store?.cleanup();
});

async function refused(ref: string, message: RegExp, maxSeconds = 10): Promise<void> {
  const before = await fingerprint(store.root);
  const started = Date.now();
  const r = await store.berth(['pull', ref], { env, timeoutMs: 60_000 });
  const elapsed = (Date.now() - started) / 1000;
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^Error: /);
  expect(r.stderr).toMatch(message);
  expect(elapsed, `${ref} took ${elapsed} s`).toBeLessThan(maxSeconds);
  expect(await store.ok(['images', '-aq'])).toBe('');
  expect(await fingerprint(store.root)).toEqual(before);
}

describe('a registry serving wrong bytes', () => {
  it('refuses a blob whose bytes do not match its digest', async () => {
    await refused(`${evil.host}/${MALICIOUS_REPOS.badBlobDigest}:1`, /blob sha256:[0-9a-f]{64}: digest mismatch/);
  });

  it('refuses a manifest that does not match the digest the registry claims, or the one asked for', async () => {
    await refused(`${evil.host}/${MALICIOUS_REPOS.badManifestDigest}:1`, /manifest evil\/manifest@1: digest mismatch/);
    await refused(`${evil.host}/${MALICIOUS_REPOS.badManifestDigest}@${sha(Buffer.from('x'))}`, /digest mismatch/);
  });

  it('refuses a layer whose uncompressed digest is not the config diff_id, before it is stored', async () => {
    await refused(`${evil.host}/${MALICIOUS_REPOS.badDiffID}:1`, /does not match the config's diff_id/);
  });

  it('refuses a zstd layer that decompresses to another diff_id, or is no zstd stream', async () => {
    await refused(`${evil.host}/${MALICIOUS_REPOS.zstdBadDiffID}:1`, /does not match the config's diff_id/);
    await refused(`${evil.host}/${MALICIOUS_REPOS.zstdCorrupt}:1`, /layer sha256:[0-9a-f]{64}: corrupt or truncated zstd stream \(.+\)/);
  });
});

describe('a registry breaking the protocol', () => {
  it.each([
    ['truncatedBody', /connection lost before the end of the body|size mismatch/],
    ['notJson', /is not JSON/],
    ['redirectLoop', /too many redirects/],
  ] as const)('refuses %s with one clear line and keeps nothing', async (kind, message) => {
    await refused(`${evil.host}/${MALICIOUS_REPOS[kind]}:1`, message);
  });
});

describe('a registry that hangs', () => {
  // One try and one retry, each bounded by the timeout, plus process start: well under 4 timeouts + 3 s.
  const bound = 4 * TIMEOUT_S + 3;

  it('gives up on a token endpoint that never answers', async () => {
    await refused(`${evil.host}/${MALICIOUS_REPOS.hangingToken}:1`, /timed out/, bound);
  });

  it('gives up on a blob body that stops mid-way', async () => {
    await refused(`${evil.host}/${MALICIOUS_REPOS.stalledBody}:1`, /timed out waiting for the rest of the body/, bound);
  });

  it('BERTH_REGISTRY_TIMEOUT must be a number of seconds', async () => {
    const r = await store.berth(['pull', `${evil.host}/${MALICIOUS_REPOS.hangingToken}:1`], { env: { BERTH_REGISTRY_TIMEOUT: 'soon' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BERTH_REGISTRY_TIMEOUT must be a number of seconds/);
  });
});
