import { describe, expect, it } from 'vitest';
import { BerthError, isBerthError } from './errors.js';

describe('BerthError', () => {
  it('recognises an error from another copy of @berth/core (a plugin links its own) by name and code', () => {
    class OtherCopy extends Error {
      readonly code = 'ERR_MANIFEST_UNKNOWN';
      override name = 'BerthError';
    }
    expect(new OtherCopy('x') instanceof BerthError).toBe(true);
    expect(isBerthError(new OtherCopy('x'), 'ERR_MANIFEST_UNKNOWN')).toBe(true);
    expect(new Error('plain') instanceof BerthError).toBe(false);
    expect(Object.assign(new Error('coded'), { code: 'ENOENT' }) instanceof BerthError).toBe(false);
  });

  it('keeps the ordinary check for subclasses', () => {
    class Special extends BerthError {}
    expect(new Special('ERR_IO', 'x') instanceof BerthError).toBe(true);
    expect(new Special('ERR_IO', 'x') instanceof Special).toBe(true);
    expect(new BerthError('ERR_IO', 'x') instanceof Special).toBe(false);
  });
});
