import { describe, expect, it } from 'vitest';
import { matchV2 } from './v2-path.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('matchV2', () => {
  it('keeps slashes in repository names', () => {
    expect(matchV2('/v2/team/sub/app/manifests/1')).toEqual({ kind: 'manifest', name: 'team/sub/app', reference: '1' });
    expect(matchV2(`/v2/a/blobs/${D}`)).toEqual({ kind: 'blob', name: 'a', digest: D });
  });
  it('matches upload routes before blob routes', () => {
    expect(matchV2('/v2/a/b/blobs/uploads/')).toEqual({ kind: 'uploads', name: 'a/b' });
    expect(matchV2('/v2/a/blobs/uploads/0b8e0c7e-1f4a-4f7e-9a51-2b1f3f9d1c11')).toEqual({ kind: 'upload', name: 'a', id: '0b8e0c7e-1f4a-4f7e-9a51-2b1f3f9d1c11' });
  });
  it('knows the base, catalog, tag list and referrers endpoints', () => {
    expect(matchV2('/v2/')).toEqual({ kind: 'base' });
    expect(matchV2('/v2')).toEqual({ kind: 'base' });
    expect(matchV2('/v2/_catalog')).toEqual({ kind: 'catalog' });
    expect(matchV2('/v2/x/y/tags/list')).toEqual({ kind: 'tags', name: 'x/y' });
    expect(matchV2(`/v2/x/referrers/${D}`)).toEqual({ kind: 'referrers', name: 'x', digest: D });
    expect(matchV2('/v2/x/other')).toBeUndefined();
  });
});
