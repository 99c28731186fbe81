import { describe, expect, it } from 'vitest';
import { nextPage } from './link-header.js';
import { parseSearchBody } from './registry-search.js';

describe('search answers and catalog pages', () => {
  it('reads Hub\'s search JSON and refuses an answer without results', () => {
    expect(parseSearchBody({ results: [{ name: 'busybox', description: 'd', star_count: 3, is_official: true, is_automated: false }, { name: 'x' }] })).toEqual([
      { name: 'busybox', description: 'd', starCount: 3, isOfficial: true, isAutomated: false },
      { name: 'x', description: '', starCount: 0, isOfficial: false, isAutomated: false },
    ]);
    expect(() => parseSearchBody({ num_results: 0 })).toThrow('the search answer has no "results" list');
  });

  it('follows rel="next" Link headers', () => {
    expect(nextPage('</v2/_catalog?last=b&n=2>; rel="next"')).toBe('/v2/_catalog?last=b&n=2');
    expect(nextPage(['<https://r/x>; rel=prev', '<https://r/y>; rel=next'])).toBe('https://r/y');
    expect(nextPage(undefined)).toBeUndefined();
  });
});
