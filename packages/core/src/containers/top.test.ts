import { describe, expect, it } from 'vitest';
import { checkPsArgs, parsePsOutput } from './top.js';

describe('docker top: ps output as moby parses it', () => {
  const ef = ['UID          PID    PPID  C STIME TTY          TIME CMD', 'root           1       0  0 06:00 ?        00:00:01 /sbin/init splash', 'root        7745    7735  0 06:54 ?        00:00:00 sleep 200', 'root        7751    7745  0 06:54 ?        00:00:00 sh -c  echo "a  b"', ''].join('\n');

  it('keeps the container\'s rows; the command takes what overhangs, joined by single spaces', () => {
    expect(parsePsOutput(ef, [7745, 7751])).toEqual({
      Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      Processes: [
        ['root', '7745', '7735', '0', '06:54', '?', '00:00:00', 'sleep 200'],
        ['root', '7751', '7745', '0', '06:54', '?', '00:00:00', 'sh -c echo "a b"'],
      ],
    });
    expect(parsePsOutput(ef, []).Processes).toEqual([]);
  });

  it('keeps thread lines (PID "-", from -m) of a kept process only', () => {
    const m = ['PID TTY TIME CMD', '10 ? 00:00:00 app', '- - 00:00:00 -', '20 ? 00:00:00 other', '- - 00:00:00 -'].join('\n');
    expect(parsePsOutput(m, [10]).Processes).toEqual([['10', '?', '00:00:00', 'app'], ['-', '-', '00:00:00', '-']]);
  });

  it('refuses output without a PID column, an odd PID and a renamed PID column', () => {
    expect(() => parsePsOutput('USER COMMAND\nroot x\n', [1])).toThrow("Couldn't find PID field in ps output");
    expect(() => parsePsOutput('PID CMD\nabc x\n', [1])).toThrow("Unexpected pid 'abc'");
    expect(() => checkPsArgs('-o comm=PID')).toThrow('specifying "comm=PID" is not allowed');
    expect(() => checkPsArgs('-o pid=PID')).not.toThrow();
    expect(() => checkPsArgs('aux')).not.toThrow();
  });
});
