import { describe, expect, it } from 'vitest';
import { requirePeer } from './require-peer.js';

describe('requirePeer', () => {
  it('returns the absolute path of a program found in PATH', () => {
    expect(requirePeer('sh', { path: '/usr/bin:/bin', systemDirs: [] })).toMatch(/^\/(usr\/)?bin\/sh$/);
  });

  it('falls back to the sbin directories a CI PATH often lacks', () => {
    expect(requirePeer('sh', { path: '', systemDirs: ['/usr/bin'] })).toBe('/usr/bin/sh');
  });

  it('names the Debian package and .ci/install-peers when a known peer is missing', () => {
    expect(() => requirePeer('dockerd', { path: '/nonexistent', systemDirs: [] })).toThrow(
      "peer 'dockerd' not found in /nonexistent: install the Debian package 'docker.io' (apt-get install -y docker.io); " +
        '.ci/install-peers installs every peer the tests use',
    );
    expect(() => requirePeer('busybox', { path: '/nonexistent', systemDirs: [] })).toThrow(/'busybox-static'/);
  });

  it('fails for an unknown program too, never returning a path that is not there', () => {
    expect(() => requirePeer('berth-no-such-peer')).toThrow(/peer 'berth-no-such-peer' not found/);
  });

  it('does not accept a directory or a non-executable file', () => {
    expect(() => requirePeer('passwd', { path: '/etc', systemDirs: [] })).toThrow(/not found/);
    expect(() => requirePeer('/etc', { systemDirs: [] })).toThrow(/not found/);
  });
});
