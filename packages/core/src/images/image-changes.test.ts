import { describe, expect, it } from 'vitest';
import { applyChanges } from './image-changes.js';
import { emptyContainerConfig } from './import.js';

describe('--change instructions', () => {
  it('applies CMD and ENTRYPOINT in JSON and shell form', () => {
    expect(applyChanges(emptyContainerConfig(), ['CMD ["sh", "-c", "echo hi"]']).Cmd).toEqual(['sh', '-c', 'echo hi']);
    expect(applyChanges(emptyContainerConfig(), ['CMD echo hi']).Cmd).toEqual(['/bin/sh', '-c', 'echo hi']);
    const c = applyChanges(emptyContainerConfig(), ['CMD ["x"]', 'ENTRYPOINT ["/init"]']);
    expect(c.Entrypoint).toEqual(['/init']);
    expect(c.Cmd).toBeNull(); // ENTRYPOINT resets CMD, as in a Dockerfile
  });

  it('merges ENV, LABEL, EXPOSE and VOLUME', () => {
    const c = applyChanges(emptyContainerConfig(), ['ENV A=1 B="two words"', 'ENV A=3', 'ENV LEGACY some value', 'LABEL k=v "a b"=c', 'EXPOSE 80 53/udp', 'VOLUME ["/data", "/logs"]']);
    expect(c.Env).toEqual(['A=3', 'B=two words', 'LEGACY=some value']);
    expect(c.Labels).toEqual({ k: 'v', 'a b': 'c' });
    expect(c.ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {} });
    expect(c.Volumes).toEqual({ '/data': {}, '/logs': {} });
  });

  it('sets USER, WORKDIR (relative to the previous one) and STOPSIGNAL', () => {
    const c = applyChanges(emptyContainerConfig(), ['USER nobody', 'WORKDIR /srv', 'WORKDIR app', 'STOPSIGNAL SIGTERM']);
    expect([c.User, c.WorkingDir, c.StopSignal]).toEqual(['nobody', '/srv/app', 'SIGTERM']);
  });

  it('refuses instructions docker does not allow in --change', () => {
    expect(() => applyChanges(emptyContainerConfig(), ['RUN rm -rf /'])).toThrow('RUN is not a valid change command');
    expect(() => applyChanges(emptyContainerConfig(), ['FROM x'])).toThrow('FROM is not a valid change command');
  });
});
