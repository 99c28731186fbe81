// --change as dockerd applies it (test/dockerfile-frontend.test.ts compares with docker import).
import { describe, expect, it } from 'vitest';
import { applyDockerfileChanges } from './changes.js';

describe('applyDockerfileChanges', () => {
  it('dispatches the changes in order, later ones seeing earlier ENV', () => {
    expect(applyDockerfileChanges({ Env: ['PATH=/bin'] }, ['ENV A=1', 'ENV B=$A-x', 'WORKDIR /srv', 'WORKDIR app', 'CMD echo $A'])).toEqual({
      Env: ['PATH=/bin', 'A=1', 'B=1-x'],
      WorkingDir: '/srv/app',
      Cmd: ['/bin/sh', '-c', 'echo $A'],
    });
  });

  it('leaves the config alone without changes and refuses other instructions', () => {
    const config = { User: 'x' };
    expect(applyDockerfileChanges(config, [])).toBe(config);
    expect(() => applyDockerfileChanges({}, ['RUN echo'])).toThrow('run is not a valid change command');
    expect(() => applyDockerfileChanges({}, ['STOPSIGNAL SIGTERM'])).toThrow('stopsignal is not a valid change command');
  });
});
