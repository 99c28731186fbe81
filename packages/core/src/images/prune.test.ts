import { describe, expect, it } from 'vitest';
import { imagePruneFilters, pruneImages } from './prune.js';
import { image, snapshot } from './snapshot-fixture.test-support.js';

function fixture() {
  const tagged = image('tagged', { created: '2024-01-01T00:00:00Z', layers: ['base', 'tagged'], labels: { keep: 'yes' } });
  const untagged = image('untagged', { created: '2024-01-01T00:00:00Z', layers: ['base', 'untagged'] });
  const recent = image('recent', { created: new Date().toISOString(), layers: ['recent'] });
  return { tagged, untagged, recent, s: snapshot([tagged, untagged, recent], { 'docker.io/library/t:1': tagged, 'docker.io/library/r:1': recent }) };
}

describe('image prune', () => {
  it('removes only dangling images by default and counts only layers no image keeps', () => {
    const { s, untagged } = fixture();
    const r = pruneImages(s, { all: false, filters: imagePruneFilters([]) });
    expect(r.deleted[0]).toEqual({ Deleted: untagged.id });
    expect(s.images.has(untagged.id)).toBe(false);
    expect(s.images.size).toBe(2);
    expect(r.reclaimed).toBe(1000); // its own top layer; `base` is still used by `tagged`
  });

  it('with -a removes every image no container uses, untagging first', () => {
    const { s, tagged, recent } = fixture();
    const r = pruneImages(s, { all: true, filters: imagePruneFilters([]), containers: [{ id: 'x'.repeat(64), imageId: recent.id, running: false }] });
    expect(r.deleted).toContainEqual({ Untagged: 't:1' });
    expect(r.deleted).toContainEqual({ Deleted: tagged.id });
    expect(s.images.has(recent.id)).toBe(true);
    expect(r.reclaimed).toBe(3000);
  });

  it('honours until and label filters', () => {
    const { s, tagged, recent } = fixture();
    pruneImages(s, { all: true, filters: imagePruneFilters(['until=24h', 'label!=keep']) });
    expect(s.images.has(tagged.id)).toBe(true);
    expect(s.images.has(recent.id)).toBe(true);
    expect(s.images.size).toBe(2);
  });

  it('refuses filters prune does not know', () => {
    expect(() => imagePruneFilters(['reference=x'])).toThrow("invalid filter 'reference'");
  });
});
