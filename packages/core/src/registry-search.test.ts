import { describe, expect, it } from 'vitest';
import { filterSearchResults, parseSearchFilters, searchLimit, splitSearchTerm } from './registry-search.js';

const r = (name: string, starCount: number, isOfficial = false, isAutomated = false) => ({ name, description: '', starCount, isOfficial, isAutomated });

describe('search terms, limits and filters as dockerd reads them', () => {
  it('splits a host off only when it looks like one, and drops library/ on Docker Hub', () => {
    expect(splitSearchTerm('busybox')).toEqual({ host: 'docker.io', term: 'busybox' });
    expect(splitSearchTerm('team/app')).toEqual({ host: 'docker.io', term: 'team/app' });
    expect(splitSearchTerm('library/busybox')).toEqual({ host: 'docker.io', term: 'busybox' });
    expect(splitSearchTerm('localhost/app')).toEqual({ host: 'localhost', term: 'app' });
    expect(splitSearchTerm('127.0.0.1:5000/team/app')).toEqual({ host: '127.0.0.1:5000', term: 'team/app' });
    expect(splitSearchTerm('index.docker.io/library/nginx')).toEqual({ host: 'docker.io', term: 'nginx' });
    expect(() => splitSearchTerm('https://example.com/x')).toThrow('invalid repository name: repository name (https://example.com/x) should not have a scheme');
  });

  it('uses 25 unless a positive limit is given, and refuses more than 100', () => {
    expect([searchLimit(undefined), searchLimit(0), searchLimit(-4), searchLimit(1), searchLimit(100)]).toEqual([25, 25, 25, 1, 100]);
    expect(() => searchLimit(101)).toThrow('limit 101 is outside the range of [1, 100]');
  });

  it('accepts true/false/1/0 for the flags, the largest stars, and refuses the rest with the daemon\'s words', () => {
    expect(parseSearchFilters(['is-official=1', 'stars=3', 'stars=+10'])).toEqual({ nothing: false, official: true, minStars: 10 });
    expect(parseSearchFilters(['is-automated=true']).nothing).toBe(true);
    expect(() => parseSearchFilters(['is-official=true', 'is-official=false'])).toThrow("invalid filter 'is-official=[false true]'");
    expect(() => parseSearchFilters(['is-official=True'])).toThrow("invalid filter 'is-official=[True]'");
    expect(() => parseSearchFilters(['stars=1.5'])).toThrow(`invalid filter 'stars=1.5': strconv.Atoi: parsing "1.5": invalid syntax`);
    expect(() => parseSearchFilters(['label=x'])).toThrow("invalid filter 'label'");
  });

  it('filters in the registry order and reports automated as false', () => {
    const all = [r('a', 1, false, true), r('b', 50, true), r('c', 9)];
    expect(filterSearchResults(all, parseSearchFilters(['stars=5'])).map((x) => x.name)).toEqual(['b', 'c']);
    expect(filterSearchResults(all, parseSearchFilters(['is-official=false'])).map((x) => x.name)).toEqual(['a', 'c']);
    expect(filterSearchResults(all, parseSearchFilters([])).every((x) => !x.isAutomated)).toBe(true);
    expect(filterSearchResults(all, parseSearchFilters(['is-automated=true']))).toEqual([]);
  });
});
