import { describe, expect, it } from 'vitest';
import {
  familiarName, familiarString, isImageIdPrefix, normalizeReferenceString, parseDockerRef, parseNormalizedReference,
  parseReference, parseTagReference, referenceMatches, referenceString, repositoryName, withDefaultTag, type Reference,
} from './reference.js';

// The tables below are distribution/reference's own tests (reference_test.go, normalize_test.go)
// with their expected values; the Docker-only texts were checked against docker CLI 28.2.2 output.
const F64 = 'f'.repeat(64);
const F128 = 'f'.repeat(128);
const HEX64 = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';

function fails(fn: () => unknown, message: string, code = 'ERR_INVALID_REFERENCE'): void {
  expect(fn).toThrow(expect.objectContaining({ code, message }));
}

interface Parsed { repository: string; domain?: string; tag?: string; digest?: string }

// reference_test.go TestReferenceParse: [input, error text | expected parts].
const parseTable: [string, string | Parsed][] = [
  ['test_com', { repository: 'test_com' }],
  ['test.com:tag', { repository: 'test.com', tag: 'tag' }],
  ['test.com:5000', { repository: 'test.com', tag: '5000' }],
  ['test.com/repo:tag', { domain: 'test.com', repository: 'test.com/repo', tag: 'tag' }],
  ['test:5000/repo', { domain: 'test:5000', repository: 'test:5000/repo' }],
  ['test:5000/repo:tag', { domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag' }],
  [`test:5000/repo@sha256:${F64}`, { domain: 'test:5000', repository: 'test:5000/repo', digest: `sha256:${F64}` }],
  [`test:5000/repo:tag@sha256:${F64}`, { domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag', digest: `sha256:${F64}` }],
  ['', 'repository name must have at least one component'],
  [':justtag', 'invalid reference format'],
  [`@sha256:${F64}`, 'invalid reference format'],
  [`repo@sha256:${'f'.repeat(34)}`, 'invalid checksum digest length'],
  [`validname@invaliddigest:${F64}`, 'unsupported digest algorithm'],
  ['Uppercase:tag', 'repository name must be lowercase'],
  ['test:5000/Uppercase/lowercase:tag', 'repository name must be lowercase'],
  ['lowercase:Uppercase', { repository: 'lowercase', tag: 'Uppercase' }],
  // The stored table predates distribution/reference#9 (in Docker 28), which counts the path only:
  // here domain "a" leaves a 255-character path, so the too-long row now needs one more level.
  [`${'a/'.repeat(128)}a:tag`, { domain: 'a', repository: `${'a/'.repeat(128)}a`, tag: 'tag' }],
  [`${'a/'.repeat(129)}a:tag`, 'repository name must not be more than 255 characters'],
  [`${'a/'.repeat(127)}a:tag-puts-this-over-max`, { domain: 'a', repository: `${'a/'.repeat(127)}a`, tag: 'tag-puts-this-over-max' }],
  ['aa/asdf$$^/aa', 'invalid reference format'],
  ['sub-dom1.foo.com/bar/baz/quux', { domain: 'sub-dom1.foo.com', repository: 'sub-dom1.foo.com/bar/baz/quux' }],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', { domain: 'sub-dom1.foo.com', repository: 'sub-dom1.foo.com/bar/baz/quux', tag: 'some-long-tag' }],
  ['b.gcr.io/test.example.com/my-app:test.example.com', { domain: 'b.gcr.io', repository: 'b.gcr.io/test.example.com/my-app', tag: 'test.example.com' }],
  ['xn--n3h.com/myimage:xn--n3h.com', { domain: 'xn--n3h.com', repository: 'xn--n3h.com/myimage', tag: 'xn--n3h.com' }],
  [`xn--7o8h.com/myimage:xn--7o8h.com@sha512:${F128}`, { domain: 'xn--7o8h.com', repository: 'xn--7o8h.com/myimage', tag: 'xn--7o8h.com', digest: `sha512:${F128}` }],
  ['foo_bar.com:8080', { repository: 'foo_bar.com', tag: '8080' }],
  ['foo/foo_bar.com:8080', { domain: 'foo', repository: 'foo/foo_bar.com', tag: '8080' }],
  ['192.168.1.1', { repository: '192.168.1.1' }],
  ['192.168.1.1:tag', { repository: '192.168.1.1', tag: 'tag' }],
  ['192.168.1.1:5000', { repository: '192.168.1.1', tag: '5000' }],
  ['192.168.1.1/repo', { domain: '192.168.1.1', repository: '192.168.1.1/repo' }],
  ['192.168.1.1:5000/repo', { domain: '192.168.1.1:5000', repository: '192.168.1.1:5000/repo' }],
  ['192.168.1.1:5000/repo:5050', { domain: '192.168.1.1:5000', repository: '192.168.1.1:5000/repo', tag: '5050' }],
  ['[2001:db8::1]', 'invalid reference format'],
  ['[2001:db8::1]:5000', 'invalid reference format'],
  ['[2001:db8::1]:tag', 'invalid reference format'],
  ['[2001:db8::1]/repo', { domain: '[2001:db8::1]', repository: '[2001:db8::1]/repo' }],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', { domain: '[2001:db8:1:2:3:4:5:6]', repository: '[2001:db8:1:2:3:4:5:6]/repo', tag: 'tag' }],
  ['[2001:db8::1]:5000/repo', { domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo' }],
  ['[2001:db8::1]:5000/repo:tag', { domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', tag: 'tag' }],
  [`[2001:db8::1]:5000/repo@sha256:${F64}`, { domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', digest: `sha256:${F64}` }],
  [`[2001:db8::1]:5000/repo:tag@sha256:${F64}`, { domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', tag: 'tag', digest: `sha256:${F64}` }],
  ['[2001:db8::]:5000/repo', { domain: '[2001:db8::]:5000', repository: '[2001:db8::]:5000/repo' }],
  ['[::1]:5000/repo', { domain: '[::1]:5000', repository: '[::1]:5000/repo' }],
  ['[fe80::1%eth0]:5000/repo', 'invalid reference format'],
  ['[fe80::1%@invalidzone]:5000/repo', 'invalid reference format'],
];

describe('parseReference (reference.Parse)', () => {
  it.each(parseTable)('%j', (input, want) => {
    if (typeof want === 'string') return fails(() => parseReference(input), want);
    const ref = parseReference(input);
    expect(referenceString(ref)).toBe(input);
    expect(repositoryName(ref)).toBe(want.repository);
    expect(ref.domain).toBe(want.domain ?? '');
    expect(ref.tag).toBe(want.tag);
    expect(ref.digest).toBe(want.digest);
  });

  it('keeps a tag and digest round-trip (TestSerialization)', () => {
    const d = 'sha256:1234567890098765432112345667890098765432112345667890098765432112';
    expect(parseReference(`other.com/named@${d}`)).toEqual({ domain: 'other.com', path: 'named', digest: d });
    expect(parseReference('example.com:8000/named:tagged')).toEqual({ domain: 'example.com:8000', path: 'named', tag: 'tagged' });
  });
});

describe('parseNormalizedReference (ParseNormalizedNamed)', () => {
  // normalize_test.go TestValidateReferenceName and TestValidateRemoteName.
  const valid = [
    'docker/docker', 'library/debian', 'debian', 'docker.io/docker/docker', 'docker.io/library/debian', 'docker.io/debian',
    'index.docker.io/docker/docker', 'index.docker.io/library/debian', 'index.docker.io/debian', '127.0.0.1:5000/docker/docker',
    '127.0.0.1:5000/library/debian', '127.0.0.1:5000/debian', '192.168.0.1', '192.168.0.1:80', '192.168.0.1:8/debian',
    '192.168.0.2:25000/debian', 'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', '[fc00::1]:5000/docker',
    '[fc00::1]:5000/docker/docker', '[fc00:1:2:3:4:5:6:7]:5000/library/debian', `docker.io/${HEX64}`, 'Docker/docker', 'DOCKER/docker',
    'docker-rules/docker', 'docker---rules/docker', 'doc/docker', 'd/docker', 'jess/t', 'dock__er/docker',
  ];
  const invalid = [
    'https://github.com/docker/docker', 'docker/Docker', '-docker', '-docker/docker', '-docker.io/docker/docker', 'docker///docker',
    'docker.io/docker/Docker', 'docker.io/docker///docker', '[fc00::1]', '[fc00::1]:5000', 'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian', '[2001:db8:3:4::192.0.2.33]:5000/debian', HEX64, 'docker-/docker', '-docker-/docker',
    '____/____', '_docker/_docker', 'dock..er/docker', 'dock_.er/docker', 'dock-.er/docker', 'docker/', '-foo',
    `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}/docker`,
  ];
  it.each(valid)('accepts %j', (s) => expect(() => parseNormalizedReference(s)).not.toThrow());
  it.each(invalid)('rejects %j', (s) => expect(() => parseNormalizedReference(s)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_REFERENCE' })));

  // TestParseRepositoryInfo: [path, familiar, full, ambiguous, domain]; each spelling parses to the same repository.
  const info: [string, string, string, string, string][] = [
    ['fooo/bar', 'fooo/bar', 'docker.io/fooo/bar', 'index.docker.io/fooo/bar', 'docker.io'],
    ['library/ubuntu', 'ubuntu', 'docker.io/library/ubuntu', 'library/ubuntu', 'docker.io'],
    ['nonlibrary/ubuntu', 'nonlibrary/ubuntu', 'docker.io/nonlibrary/ubuntu', '', 'docker.io'],
    ['other/library', 'other/library', 'docker.io/other/library', '', 'docker.io'],
    ['private/moonbase', '127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase', '', '127.0.0.1:8000'],
    ['privatebase', '127.0.0.1:8000/privatebase', '127.0.0.1:8000/privatebase', '', '127.0.0.1:8000'],
    ['private/moonbase', 'example.com/private/moonbase', 'example.com/private/moonbase', '', 'example.com'],
    ['privatebase', 'example.com/privatebase', 'example.com/privatebase', '', 'example.com'],
    ['private/moonbase', 'example.com:8000/private/moonbase', 'example.com:8000/private/moonbase', '', 'example.com:8000'],
    ['privatebasee', 'example.com:8000/privatebasee', 'example.com:8000/privatebasee', '', 'example.com:8000'],
    ['library/ubuntu-12.04-base', 'ubuntu-12.04-base', 'docker.io/library/ubuntu-12.04-base', 'index.docker.io/library/ubuntu-12.04-base', 'docker.io'],
    ['library/foo', 'foo', 'docker.io/library/foo', 'docker.io/foo', 'docker.io'],
    ['library/foo/bar', 'library/foo/bar', 'docker.io/library/foo/bar', '', 'docker.io'],
    ['store/foo/bar', 'store/foo/bar', 'docker.io/store/foo/bar', '', 'docker.io'],
    ['bar', 'Foo/bar', 'Foo/bar', '', 'Foo'],
    ['bar', 'FOO/bar', 'FOO/bar', '', 'FOO'],
  ];
  it.each(info.flatMap(([path, fam, full, amb, domain]) => [fam, full, amb].filter(Boolean).map((s) => [s, path, fam, full, domain])))(
    '%j is %s on %s',
    (s, path, fam, full, domain) => {
      const ref = parseNormalizedReference(s);
      expect(familiarName(ref)).toBe(fam);
      expect(referenceString(ref)).toBe(full);
      expect(ref.domain).toBe(domain);
      expect(ref.path).toBe(path);
    },
  );

  // TestNormalizedSplitHostname: [input, domain, path].
  it.each([
    ['test.com/foo', 'test.com', 'foo'], ['test_com/foo', 'docker.io', 'test_com/foo'], ['docker/migrator', 'docker.io', 'docker/migrator'],
    ['test.com:8080/foo', 'test.com:8080', 'foo'], ['test-com:8080/foo', 'test-com:8080', 'foo'], ['foo', 'docker.io', 'library/foo'],
    ['xn--n3h.com/foo', 'xn--n3h.com', 'foo'], ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo'], ['docker.io/foo', 'docker.io', 'library/foo'],
    ['docker.io/library/foo', 'docker.io', 'library/foo'], ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar'],
  ])('splits %j into %s and %s', (s, domain, path) => {
    expect(parseNormalizedReference(s)).toEqual({ domain, path });
  });

  it('keeps both tag and digest (TestParseReferenceWithTagAndDigest)', () => {
    const short = 'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
    const ref = parseNormalizedReference(short);
    expect(referenceString(ref)).toBe(`docker.io/library/${short}`);
    expect(ref.tag).toBe('latest');
    expect(familiarString(ref)).toBe(short);
  });

  // TestParseAnyReference, name rows: [input, equivalent]; a 64-hex string is an ID to Docker, never a name.
  const D = 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
  it.each([
    ['redis', 'docker.io/library/redis'], ['redis:latest', 'docker.io/library/redis:latest'],
    ['docker.io/library/redis:latest', 'docker.io/library/redis:latest'], [`redis@sha256:${D}`, `docker.io/library/redis@sha256:${D}`],
    [`docker.io/library/redis@sha256:${D}`, `docker.io/library/redis@sha256:${D}`], ['dmcgowan/myapp', 'docker.io/dmcgowan/myapp'],
    ['dmcgowan/myapp:latest', 'docker.io/dmcgowan/myapp:latest'], ['docker.io/mcgowan/myapp:latest', 'docker.io/mcgowan/myapp:latest'],
    [`dmcgowan/myapp@sha256:${D}`, `docker.io/dmcgowan/myapp@sha256:${D}`], [`docker.io/dmcgowan/myapp@sha256:${D}`, `docker.io/dmcgowan/myapp@sha256:${D}`],
    [D.slice(0, 63), `docker.io/library/${D.slice(0, 63)}`], ['dbcc1', 'docker.io/library/dbcc1'],
  ])('%j is %j', (s, equivalent) => {
    const ref = parseNormalizedReference(s);
    expect(referenceString(ref)).toBe(equivalent);
    expect(ref).toEqual(parseReference(equivalent));
  });

  it('refuses a 64-hex name and upper case with Docker\'s texts', () => {
    fails(() => parseNormalizedReference(HEX64), `invalid repository name (${HEX64}), cannot specify 64-byte hexadecimal strings`);
    fails(() => parseNormalizedReference('UPPER'), 'invalid reference format: repository name (library/UPPER) must be lowercase');
    fails(() => parseNormalizedReference('docker.io/docker/Docker:v1'), 'invalid reference format: repository name (docker/Docker) must be lowercase');
    fails(() => parseNormalizedReference('a b'), 'invalid reference format');
    fails(() => parseNormalizedReference(''), 'invalid reference format');
    fails(() => parseNormalizedReference(`busybox@sha256:${'F'.repeat(64)}`), 'invalid checksum digest format');
  });

  it('counts the 255-character limit on the normalised path', () => {
    expect(parseNormalizedReference('a'.repeat(247)).path).toHaveLength(255);
    fails(() => parseNormalizedReference('a'.repeat(248)), 'repository name must not be more than 255 characters');
    fails(() => parseNormalizedReference(`${'a/'.repeat(128)}a:tag`), 'repository name must not be more than 255 characters');
    expect(parseNormalizedReference(`example.com/${'a'.repeat(255)}`).path).toHaveLength(255);
  });

  it('answers quickly on long hostile input', () => {
    const start = Date.now();
    for (const s of ['a'.repeat(50_000) + '!', 'a-'.repeat(20_000) + '/!', 'a.'.repeat(20_000) + 'a:1/!', `a@sha256:${'f'.repeat(50_000)}!`]) {
      expect(() => parseNormalizedReference(s)).toThrow();
    }
    expect(Date.now() - start).toBeLessThan(1000);
  });
});

describe('printing and defaults', () => {
  it.each([
    ['ubuntu', 'docker.io/library/ubuntu:latest', 'ubuntu:latest'],
    ['index.docker.io/ubuntu', 'docker.io/library/ubuntu:latest', 'ubuntu:latest'],
    ['localhost:5000/a/b:t', 'localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
    ['localhost/foo', 'localhost/foo:latest', 'localhost/foo:latest'],
    ['user/repo', 'docker.io/user/repo:latest', 'user/repo:latest'],
    [`user/repo@sha256:${F64}`, `docker.io/user/repo@sha256:${F64}`, `user/repo@sha256:${F64}`],
  ])('%j normalises to %j, shown as %j', (s, full, familiar) => {
    expect(normalizeReferenceString(s)).toBe(full);
    expect(familiarString(withDefaultTag(parseNormalizedReference(s)))).toBe(familiar);
  });

  it('names a repository without tag or digest', () => {
    const ref = parseNormalizedReference(`ubuntu:22.04@sha256:${F64}`);
    expect(familiarName(ref)).toBe('ubuntu');
    expect(repositoryName(ref)).toBe('docker.io/library/ubuntu');
    expect(familiarString(parseNormalizedReference('user/repo'))).toBe('user/repo');
  });

  // TestParseDockerRef: [input, expected].
  const B = 'sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582';
  it.each([
    ['busybox', 'docker.io/library/busybox:latest'], ['busybox:latest', 'docker.io/library/busybox:latest'],
    [`busybox@${B}`, `docker.io/library/busybox@${B}`], ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'], ['docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox:latest', 'docker.io/library/busybox:latest'], ['library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest'], ['gcr.io/library/busybox', 'gcr.io/library/busybox:latest'],
    [`gcr.io/library/busybox:latest@${B}`, `gcr.io/library/busybox@${B}`],
  ])('parseDockerRef(%j) is %j', (s, want) => {
    expect(referenceString(parseDockerRef(s))).toBe(want);
    expect(() => parseReference(want)).not.toThrow();
  });
});

describe('parseTagReference (docker tag TARGET)', () => {
  it('defaults to latest and keeps a given tag', () => {
    expect(parseTagReference('myrepo')).toEqual({ domain: 'docker.io', path: 'library/myrepo', tag: 'latest' });
    expect(parseTagReference('localhost:5000/a/b:v1')).toEqual({ domain: 'localhost:5000', path: 'a/b', tag: 'v1' });
  });
  it('refuses a digest and wraps parse errors as docker tag does', () => {
    fails(() => parseTagReference(`busybox@sha256:${F64}`), 'refusing to create a tag with a digest reference');
    fails(() => parseTagReference('UPPER'),
      'Error parsing reference: "UPPER" is not a valid repository/tag: invalid reference format: repository name (library/UPPER) must be lowercase');
    fails(() => parseTagReference('a"b'), 'Error parsing reference: "a\\"b" is not a valid repository/tag: invalid reference format');
  });
});

describe('isImageIdPrefix', () => {
  it.each([
    ['abcd', true], ['sha256:abcd', true], [HEX64, true], [`sha256:${HEX64}`, true],
    ['abc', false], ['sha256:abc', false], [`${HEX64}0`, false], ['ABCD', false], ['sha512:abcd', false], ['abcg', false], ['', false],
  ])('%j → %s', (s, want) => expect(isImageIdPrefix(s)).toBe(want));
});

describe('referenceMatches (FamiliarMatch, images --filter reference=)', () => {
  // normalize_test.go TestMatch: [reference, pattern, expected].
  it.each([
    ['foo', 'foo/**/ba[rz]', false], ['foo/any/bat', 'foo/**/ba[rz]', false], ['foo/a/bar', 'foo/**/ba[rz]', true],
    ['foo/b/baz', 'foo/**/ba[rz]', true], ['foo/c/baz:tag', 'foo/**/ba[rz]', true], ['foo/c/baz:tag', 'foo/*/baz:tag', true],
    ['foo/c/baz:tag', 'foo/c/baz:tag', true], ['example.com/foo/c/baz:tag', '*/foo/c/baz', true],
    ['example.com/foo/c/baz:tag', 'example.com/foo/c/baz', true],
  ] as const)('%j against %j → %s', (ref, pattern, want) => {
    expect(referenceMatches(pattern, parseNormalizedReference(ref))).toBe(want);
  });

  it('reports a malformed pattern (TestMatchError)', () => {
    fails(() => referenceMatches('[-x]', parseNormalizedReference('foo')), 'syntax error in pattern', 'ERR_INVALID_FILTER');
  });

  // docker-cli image_ls.md: the busybox example of the reference filter, and `docker images REPO[:TAG]`.
  const busybox = ['latest', 'uclibc', 'musl', 'glibc'].map((t) => parseNormalizedReference(`busybox:${t}`));
  const java = ['8', '7', 'latest'].map((t) => parseNormalizedReference(`java:${t}`));
  const shown = (pattern: string, refs: Reference[]) => refs.filter((r) => referenceMatches(pattern, r)).map(familiarString);
  it('filters by glob and by exact repository or tag', () => {
    expect(shown('busy*:*libc', busybox)).toEqual(['busybox:uclibc', 'busybox:glibc']);
    expect(shown('busy*:uclibc', busybox)).toEqual(['busybox:uclibc']);
    expect(shown('java', java)).toEqual(['java:8', 'java:7', 'java:latest']);
    expect(shown('jav', java)).toEqual([]);
    expect(shown('java:8', java)).toEqual(['java:8']);
    expect(shown('java:0', java)).toEqual([]);
  });
});
