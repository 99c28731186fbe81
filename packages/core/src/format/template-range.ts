// What {{range}} iterates over (exec.go walkRange): slices by index, maps in sorted key order,
// an int n as 0…n-1, and nothing at all for a missing value.

import { sprint } from './go-printf.js';
import { kindOf, sortedEntries } from './go-value.js';

export type RangeItems = { items: [index: unknown, elem: unknown][] } | { error: string };

export function rangeItems(val: unknown, declarations: number): RangeItems {
  switch (kindOf(val)) {
    case 'int': {
      if (declarations > 1) return { error: `can't use ${sprint(val)} to iterate over more than one variable` };
      return { items: Array.from({ length: Math.max(Number(val), 0) }, (_, i) => [undefined, i]) };
    }
    case 'slice':
      return { items: (val as unknown[]).map((e, i) => [i, e ?? null]) };
    case 'map':
      return { items: sortedEntries(val as Map<unknown, unknown>) };
    case 'invalid':
    case 'nil':
      return { items: [] }; // an invalid value is likely a nil map, etc., and acts like an empty map
    default:
      return { error: `range can't iterate over ${sprint(val)}` };
  }
}
