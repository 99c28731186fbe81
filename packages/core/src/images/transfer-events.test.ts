import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../events.js';
import { pullEvents, pushEvents } from './transfer-events.js';

const collect = (make: typeof pullEvents, input: ProgressEvent[]): string[] => {
  const out: string[] = [];
  const sink = make((e) => out.push(`${e.id ?? ''}: ${e.status ?? e.stream ?? ''}`));
  for (const e of input) sink(e);
  return out;
};

describe('docker pull and push statuses', () => {
  it('says Download complete then Pull complete, as docker pull does, and drops load-only notes', () => {
    expect(collect(pullEvents, [{ id: 'a', status: 'Downloading complete' }, { stream: 'The image x already exists, renaming…\n' }])).toEqual(['a: Download complete', 'a: Pull complete']);
  });
  it('says Layer already exists, Pushed, and nothing more after a mount', () => {
    const out = collect(pushEvents, [
      { id: 'a', status: 'Already exists' },
      { id: 'b', status: 'Pushing complete' },
      { id: 'c', status: 'Mounted from team/base' },
      { id: 'c', status: 'Pushing complete' },
    ]);
    expect(out).toEqual(['a: Layer already exists', 'b: Pushed', 'c: Mounted from team/base']);
  });
});
