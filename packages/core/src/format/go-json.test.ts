import { describe, expect, it } from 'vitest';
import { marshalGoJSON } from './go-json.js';
import { GoFloat } from './go-value.js';

// Expected strings are what Go 1.24's encoding/json produces for the equivalent Go values.
describe('marshalGoJSON (encoding/json)', () => {
  it('escapes like Go: HTML characters on request, \\b \\f, other controls as \\u00XX, U+2028 always', () => {
    const s = '<a&b>\b\f\n\r\t\x01\x7f\u2028é"\\';
    expect(marshalGoJSON(s)).toBe('"\\u003ca\\u0026b\\u003e\\b\\f\\n\\r\\t\\u0001\x7f\\u2028é\\"\\\\"');
    expect(marshalGoJSON(s, { escapeHTML: false })).toBe('"<a&b>\\b\\f\\n\\r\\t\\u0001\x7f\\u2028é\\"\\\\"');
  });

  it('writes float64 as Go does: exponent only below 1e-6 or from 1e21, e-07 cleaned to e-7', () => {
    const floats = [0.000001, 1e-7, 1.5e-7, 1e20, 1e21, 123456789.5, new GoFloat(3), -0.5];
    expect(marshalGoJSON(floats)).toBe('[0.000001,1e-7,1.5e-7,100000000000000000000,1e+21,123456789.5,3,-0.5]');
    expect(() => marshalGoJSON(Number.NaN)).toThrow('json: unsupported value: NaN');
  });

  it('keeps struct field order, sorts map keys, skips methods and honours MarshalJSON', () => {
    const v = {
      Z: 1,
      A: new Map([['b', 1], ['a', null]]),
      method: () => 'ignored',
      Nested: { MarshalJSON: () => '{ "raw" : [1, 2] , "h":"<" }' },
      Missing: undefined,
    };
    expect(marshalGoJSON(v)).toBe('{"Z":1,"A":{"a":null,"b":1},"Nested":{"raw":[1,2],"h":"\\u003c"},"Missing":null}');
  });

  it('indents like json.MarshalIndent, leaving empty containers compact', () => {
    expect(marshalGoJSON({ a: [1, { b: {} }], c: [] }, { indent: '  ' })).toBe(
      '{\n  "a": [\n    1,\n    {\n      "b": {}\n    }\n  ],\n  "c": []\n}',
    );
  });
});
