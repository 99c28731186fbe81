import { describe, expect, it } from 'vitest';
import { splitAtImage } from './split-argv.js';

const V = new Set(['-e', '--env', '--name', '-v']);

describe('splitAtImage', () => {
  it('stops at the image: the command keeps its own flags', () => {
    expect(splitAtImage(['--rm', 'bb', 'sh', '-c', 'echo -n x'], V)).toEqual({ options: ['--rm', 'bb'], command: ['sh', '-c', 'echo -n x'] });
  });
  it('valued flags take the next word; grouped booleans do not', () => {
    expect(splitAtImage(['-it', '-e', 'A=1', '--name', 'web', '-eB=2', 'img', 'ls', '-l'], V)).toEqual({
      options: ['-it', '-e', 'A=1', '--name', 'web', '-eB=2', 'img'],
      command: ['ls', '-l'],
    });
    expect(splitAtImage(['--name=x', '-dv', '/a:/b', 'img'], V)).toEqual({ options: ['--name=x', '-dv', '/a:/b', 'img'], command: [] });
  });
  it('-- ends the options', () => {
    expect(splitAtImage(['--rm', '--', 'img', '--help'], V)).toEqual({ options: ['--rm', 'img'], command: ['--help'] });
  });
});
