import { describe, expect, it } from 'vitest';
import { imageListFilters, imageRows, listImages } from './list.js';
import { image, snapshot } from './snapshot-fixture.test-support.js';

const old = image('old', { created: '2023-01-01T00:00:00Z', labels: { team: 'a' } });
const mid = image('mid', { created: '2024-01-01T00:00:00Z', labels: { team: 'b', tier: 'web' } });
const fresh = image('fresh', { created: '2025-01-01T00:00:00Z' });
const dangling = image('dangling', { created: '2022-01-01T00:00:00Z' });
const s = snapshot([old, mid, fresh, dangling], {
  'docker.io/library/busybox:1': old,
  'docker.io/library/busybox:glibc': mid,
  'localhost:5000/team/app:2': fresh,
  'docker.io/library/alias:x': fresh,
});

const tags = (filters: string[], all = false) => listImages(s, { filters: imageListFilters(filters), all }).map((i) => i.RepoTags.join(','));

describe('images', () => {
  it('lists newest first with familiar names, dangling as <none>', () => {
    expect(tags([])).toEqual(['alias:x,localhost:5000/team/app:2', 'busybox:glibc', 'busybox:1', '<none>:<none>']);
  });

  it('filters dangling=true to untagged images only, dangling=false to tagged', () => {
    expect(tags(['dangling=true'])).toEqual(['<none>:<none>']);
    expect(tags(['dangling=false'])).toHaveLength(3);
  });

  it('filters by reference with globs over the familiar name', () => {
    expect(tags(['reference=busy*:*libc'])).toEqual(['busybox:glibc']);
    expect(tags(['reference=busybox'])).toEqual(['busybox:glibc', 'busybox:1']);
    // Only the matching names of an image are shown.
    expect(tags(['reference=alias'])).toEqual(['alias:x']);
  });

  it('filters by label key and key=value', () => {
    expect(tags(['label=team'])).toEqual(['busybox:glibc', 'busybox:1']);
    expect(tags(['label=team=b'])).toEqual(['busybox:glibc']);
    expect(tags(['label=team', 'label=tier=web'])).toEqual(['busybox:glibc']);
  });

  it('filters before and since by another image, until by time', () => {
    expect(tags(['before=busybox:glibc'])).toEqual(['busybox:1', '<none>:<none>']);
    expect(tags(['since=busybox:1'])).toEqual(['alias:x,localhost:5000/team/app:2', 'busybox:glibc']);
    expect(tags(['until=2023-06-01T00:00:00Z'])).toEqual(['busybox:1', '<none>:<none>']);
  });

  it('refuses unknown filters and bad dangling values with Docker\'s words', () => {
    expect(() => imageListFilters(['nope=1'])).toThrow("invalid filter 'nope'");
    expect(() => imageListFilters(['dangling'])).toThrow('bad format of filter (expected name=value)');
    expect(() => listImages(s, { filters: imageListFilters(['dangling=maybe']) })).toThrow("Invalid filter 'dangling=maybe'");
  });

  it('hides intermediate images unless --all', () => {
    const parent = image('parent');
    const child = image('child', { parent: parent.id });
    const s2 = snapshot([parent, child], { 'docker.io/library/child:1': child });
    expect(listImages(s2, {}).map((i) => i.Id)).toEqual([child.id]);
    expect(listImages(s2, {}).some((i) => i.Id === parent.id)).toBe(false);
    expect(listImages(s2, { all: true }).some((i) => i.Id === parent.id)).toBe(true);
  });
});

describe('image rows', () => {
  it('gives one row per repository and tag, digests only with --digests', () => {
    const rows = imageRows(listImages(s, {}), false).map((r) => `${r.repository}:${r.tag}`);
    expect(rows).toEqual(['alias:x', 'localhost:5000/team/app:2', 'busybox:glibc', 'busybox:1', '<none>:<none>']);
    const d = image('d', { repoDigests: [`docker.io/library/dig@sha256:${'a'.repeat(64)}`] });
    const s3 = snapshot([d], {});
    const summaries = listImages(s3, {});
    expect(imageRows(summaries, false).map((r) => [r.repository, r.tag, r.digest])).toEqual([['dig', '<none>', '']]);
    expect(imageRows(summaries, true).map((r) => [r.repository, r.tag, r.digest])).toEqual([['dig', '<none>', `sha256:${'a'.repeat(64)}`]]);
  });
});
