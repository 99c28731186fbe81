// Config dispatch details (moby builder/dockerfile dispatchers.go): WORKDIR joining, EXPOSE
// specs, ENTRYPOINT and CMD interplay. test/dockerfile-frontend.test.ts checks the whole
// config against a real dockerd.
import { describe, expect, it } from 'vitest';
import { parse } from './parser/parser.js';
import { parseStages } from './instructions/parse-instruction.js';
import { applyToConfig, exposedPortKeys, newConfigState, normalizeWorkdir } from './image-config.js';

function configOf(src: string, base = {}) {
  const state = newConfigState(base);
  for (const cmd of parseStages(parse(src).ast).stages[0]!.commands) applyToConfig(state, cmd);
  return state;
}

describe('image config', () => {
  it('WORKDIR joins relative paths and keeps absolute ones as written', () => {
    expect(normalizeWorkdir('', 'a')).toBe('/a');
    expect(normalizeWorkdir('/a', 'b/../c')).toBe('/a/c');
    expect(normalizeWorkdir('/a', '/x/./y/')).toBe('/x/./y/');
    expect(() => normalizeWorkdir('/a', '')).toThrow('cannot normalize nothing');
  });

  it('EXPOSE specs become port/proto keys, ranges expanded', () => {
    expect(exposedPortKeys('80')).toEqual(['80/tcp']);
    expect(exposedPortKeys('53/UDP')).toEqual(['53/udp']);
    expect(exposedPortKeys('7000-7002')).toEqual(['7000/tcp', '7001/tcp', '7002/tcp']);
    expect(() => exposedPortKeys('http')).toThrow('invalid containerPort: http');
  });

  it('ENTRYPOINT clears an inherited CMD but keeps one set in the stage', () => {
    expect(configOf('FROM a\nENTRYPOINT ["x"]\n', { Cmd: ['base'] }).config).toMatchObject({ Entrypoint: ['x'], Cmd: null });
    expect(configOf('FROM a\nCMD ["c"]\nENTRYPOINT ["x"]\n', { Cmd: ['base'] }).config).toMatchObject({ Entrypoint: ['x'], Cmd: ['c'] });
  });

  it('shell forms use the current SHELL', () => {
    expect(configOf('FROM a\nCMD echo hi\nSHELL ["/bin/bash", "-c"]\nENTRYPOINT run me\n').config).toMatchObject({
      Cmd: ['/bin/sh', '-c', 'echo hi'],
      Entrypoint: ['/bin/bash', '-c', 'run me'],
      Shell: ['/bin/bash', '-c'],
    });
  });

  it('MAINTAINER sets the author, ONBUILD appends triggers', () => {
    const s = configOf('FROM a\nMAINTAINER me\nONBUILD RUN a\nONBUILD COPY . /\n');
    expect(s.author).toBe('me');
    expect(s.config.OnBuild).toEqual(['RUN a', 'COPY . /']);
  });
});
