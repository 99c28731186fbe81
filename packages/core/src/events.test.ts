import { describe, expect, it } from 'vitest';
import { throttleProgress, type ProgressEvent } from './events.js';

describe('throttleProgress', () => {
  it('passes one update per layer and status per interval, the complete one and every other event', () => {
    let t = 0;
    const seen: ProgressEvent[] = [];
    const sink = throttleProgress((e) => seen.push(e), 100, () => t);
    const dl = (id: string, current: number): ProgressEvent => ({ id, status: 'Downloading', progressDetail: { current, total: 100 } });
    sink({ id: 'a', status: 'Pulling fs layer', progressDetail: {} });
    sink(dl('a', 1));
    sink(dl('a', 2)); // same instant: dropped
    sink(dl('b', 1)); // another layer: passes
    t = 50;
    sink(dl('a', 3)); // dropped
    t = 100;
    sink(dl('a', 4));
    sink(dl('a', 100)); // complete: always passes
    sink({ id: 'a', status: 'Pull complete' });
    expect(seen.map((e) => `${e.id} ${e.status} ${e.progressDetail?.current ?? ''}`)).toEqual([
      'a Pulling fs layer ', 'a Downloading 1', 'b Downloading 1', 'a Downloading 4', 'a Downloading 100', 'a Pull complete ',
    ]);
  });
});
