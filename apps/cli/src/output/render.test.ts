import { describe, expect, it } from 'vitest';
import { ellipsis } from './render.js';

describe('ellipsis as docker/cli formatter.Ellipsis cuts', () => {
  it('keeps what fits and cuts the rest to max-1 columns plus …', () => {
    expect(ellipsis('Busybox base image.', 45)).toBe('Busybox base image.');
    expect(ellipsis('a'.repeat(46), 45)).toBe(`${'a'.repeat(44)}…`);
    expect(ellipsis('a'.repeat(45), 45)).toBe('a'.repeat(45));
    expect(ellipsis('abc', 1)).toBe('a');
    expect(ellipsis('abc', 0)).toBe('');
  });

  it('counts wide characters as two columns and accented ones as one (docker search output)', () => {
    expect(ellipsis('日本語の説明文はとても長いのでここで切られるはずですよね本当に', 45)).toBe('日本語の説明文はとても長いのでここで切られる…');
    expect(ellipsis('Café crème — über long unicode description ééééééééééé', 45)).toBe('Café crème — über long unicode description é…');
  });
});
