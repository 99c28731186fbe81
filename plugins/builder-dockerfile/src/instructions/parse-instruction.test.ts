// Typed instructions from Dockerfile text: forms, flags and buildkit's error messages
// (instructions/parse.go, parse_test.go) and the Dockerfile reference's examples.
import { describe, expect, it } from 'vitest';
import { parse } from '../parser/parser.js';
import type { Command } from './commands.js';
import { parseStages } from './parse-instruction.js';

const stagesOf = (src: string) => parseStages(parse(src).ast);
const commands = (src: string): Command[] => stagesOf(`FROM scratch\n${src}`).stages[0]!.commands;
const one = (src: string): Command => commands(src)[0]!;

describe('instructions', () => {
  it('FROM with --platform and AS', () => {
    const { stages } = stagesOf('FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\nFROM scratch\n');
    expect(stages[0]).toMatchObject({ baseName: 'golang:1.22', name: 'build', platform: '$BUILDPLATFORM', sourceCode: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS Build' });
    expect(stages[1]).toMatchObject({ baseName: 'scratch', name: '' });
  });

  it('RUN, CMD, ENTRYPOINT in shell and exec form', () => {
    expect(one('RUN echo $HOME && ls')).toMatchObject({ kind: 'run', cmdLine: ['echo $HOME && ls'], prependShell: true });
    expect(one('RUN ["echo", "a b"]')).toMatchObject({ kind: 'run', cmdLine: ['echo', 'a b'], prependShell: false });
    expect(one('CMD ["nginx", "-g", "daemon off;"]')).toMatchObject({ kind: 'cmd', cmdLine: ['nginx', '-g', 'daemon off;'], prependShell: false });
    expect(one('ENTRYPOINT exec top -b')).toMatchObject({ kind: 'entrypoint', cmdLine: ['exec top -b'], prependShell: true });
    expect(one('CMD []')).toMatchObject({ kind: 'cmd', cmdLine: [], prependShell: false });
  });

  it('RUN with a heredoc carries the script', () => {
    expect(one('RUN <<EOF\napt-get update\nEOF\n')).toMatchObject({
      cmdLine: ['<<EOF'],
      files: [{ name: 'EOF', data: 'apt-get update\n', chomp: false }],
    });
  });

  it('RUN accepts --mount, --network and --security', () => {
    expect(one('RUN --mount=type=cache,target=/root/.cache --network=none make')).toMatchObject({
      mounts: ['type=cache,target=/root/.cache'],
      network: 'none',
      flagsUsed: ['mount', 'network'],
    });
  });

  it('ENV and LABEL in both forms keep quotes for the expansion step', () => {
    expect(one('ENV MY_NAME="John Doe" MY_DOG=Rex\\ The\\ Dog')).toMatchObject({
      env: [
        { key: 'MY_NAME', value: '"John Doe"' },
        { key: 'MY_DOG', value: 'Rex\\ The\\ Dog' },
      ],
    });
    expect(one('ENV MY_VAR my-value with spaces')).toMatchObject({ env: [{ key: 'MY_VAR', value: 'my-value with spaces' }] });
    expect(one('LABEL "com.example.vendor"="ACME Incorporated" version=1.0')).toMatchObject({
      labels: [
        { key: '"com.example.vendor"', value: '"ACME Incorporated"' },
        { key: 'version', value: '1.0' },
      ],
    });
  });

  it('ADD and COPY with flags and heredoc sources', () => {
    expect(one('COPY --from=build --chown=55:mygroup --chmod=644 --link files* /somedir/')).toMatchObject({
      kind: 'copy',
      from: 'build',
      chown: '55:mygroup',
      chmod: '644',
      link: true,
      sourcePaths: ['files*'],
      destPath: '/somedir/',
    });
    expect(one('ADD --chown=bin --checksum=sha256:abc --keep-git-dir=true a.tar b /x/')).toMatchObject({
      kind: 'add',
      chown: 'bin',
      checksum: 'sha256:abc',
      keepGitDir: true,
      sourcePaths: ['a.tar', 'b'],
    });
    expect(one('COPY ["a b", "/c d/"]')).toMatchObject({ sourcePaths: ['a b'], destPath: '/c d/' });
    expect(one('COPY <<-EOT /hello\n\thello\nEOT\n')).toMatchObject({ sourcePaths: [], sourceContents: [{ path: 'EOT', data: 'hello\n', expand: true }], destPath: '/hello' });
  });

  it('the other instructions', () => {
    expect(one('MAINTAINER Jane <j@example.com>')).toMatchObject({ kind: 'maintainer', maintainer: 'Jane <j@example.com>' });
    expect(one('EXPOSE 80/udp 443 80/tcp')).toMatchObject({ kind: 'expose', ports: ['443', '80/tcp', '80/udp'] });
    expect(one('VOLUME ["/data", "/var/log"]')).toMatchObject({ volumes: ['/data', '/var/log'] });
    expect(one('VOLUME /a /b')).toMatchObject({ volumes: ['/a', '/b'] });
    expect(one('USER patrick:staff')).toMatchObject({ user: 'patrick:staff' });
    expect(one('WORKDIR /path/to/workdir')).toMatchObject({ path: '/path/to/workdir' });
    expect(one('STOPSIGNAL SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
    expect(one('SHELL ["powershell", "-command"]')).toMatchObject({ shell: ['powershell', '-command'] });
    expect(one('ONBUILD ADD . /app/src')).toMatchObject({ kind: 'onbuild', expression: 'ADD . /app/src' });
    expect(one('ARG user1 buildno=1')).toMatchObject({ args: [{ key: 'user1' }, { key: 'buildno', value: '1' }] });
  });

  it('HEALTHCHECK NONE and CMD with durations in nanoseconds', () => {
    expect(one('HEALTHCHECK NONE')).toMatchObject({ health: { test: ['NONE'] } });
    expect(one('HEALTHCHECK --interval=5m --timeout=3s --start-period=1m30s --retries=3 CMD curl -f http://localhost/ || exit 1')).toMatchObject({
      health: { test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], interval: 300e9, timeout: 3e9, startPeriod: 90e9, retries: 3 },
    });
    expect(one('HEALTHCHECK CMD ["/bin/check", "-q"]')).toMatchObject({ health: { test: ['CMD', '/bin/check', '-q'] } });
  });

  it('ARGs before the first FROM are meta args', () => {
    const { metaArgs, stages } = stagesOf('ARG VERSION=latest\nFROM busybox:$VERSION\nARG VERSION\nRUN echo $VERSION\n');
    expect(metaArgs[0]!.args).toEqual([{ key: 'VERSION', value: 'latest', comment: '' }]);
    expect(stages[0]!.commands.map((c) => c.kind)).toEqual(['arg', 'run']);
  });
});

describe('instruction errors', () => {
  it.each([
    ['FROM scratch\nADD foo', 'ADD requires at least two arguments, but only one was provided. Destination could not be determined'],
    ['FROM scratch\nCOPY foo', 'COPY requires at least two arguments'],
    ['FROM scratch\nCOPY <<EOF <<EOF2\na\nEOF\nb\nEOF2\n', 'COPY cannot accept a heredoc as a destination'],
    ['FROM scratch\nUSER', 'USER requires exactly one argument'],
    ['FROM scratch\nWORKDIR', 'WORKDIR requires exactly one argument'],
    ['FROM scratch\nMAINTAINER', 'MAINTAINER requires exactly one argument'],
    ['FROM scratch\nEXPOSE', 'EXPOSE requires at least one argument'],
    ['FROM scratch\nVOLUME', 'VOLUME requires at least one argument'],
    ['FROM scratch\nVOLUME [""]', 'VOLUME specified can not be an empty string'],
    ['FROM scratch\nSHELL /bin/sh -c', 'SHELL requires the arguments to be in JSON form'],
    ['FROM scratch\nSHELL []', 'SHELL requires at least one argument'],
    ['FROM scratch\nONBUILD ONBUILD RUN x', 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed'],
    ['FROM scratch\nONBUILD FROM x', "FROM isn't allowed as an ONBUILD trigger"],
    ['FROM scratch\nONBUILD MAINTAINER x', "MAINTAINER isn't allowed as an ONBUILD trigger"],
    ['FROM scratch\nHEALTHCHECK NONE x', 'HEALTHCHECK NONE takes no arguments'],
    ['FROM scratch\nHEALTHCHECK CONNECT TCP 7000', 'Unknown type "CONNECT" in HEALTHCHECK (try CMD)'],
    ['FROM scratch\nHEALTHCHECK CMD', 'Missing command after HEALTHCHECK CMD'],
    ['FROM scratch\nHEALTHCHECK --interval=1ns CMD x', 'Interval "interval" cannot be less than 1ms'],
    ['FROM scratch\nHEALTHCHECK --interval=5 CMD x', 'time: missing unit in duration "5"'],
    ['FROM scratch\nHEALTHCHECK --retries=-1 CMD x', '--retries cannot be negative (-1)'],
    ['FROM scratch\nARG =x', 'ARG names can not be blank'],
    ['FROM scratch\nLABEL =x', 'LABEL names can not be blank'],
    ['FROM a b', 'FROM requires either one or three arguments'],
    ['FROM a AS 1x', 'invalid name for build stage: "1x", name can\'t start with a number or contain symbols'],
    ['FROM scratch\nCOPY --from foo /', 'Missing a value on flag: from'],
    ['FROM scratch\nCOPY --nope=1 a /', 'Unknown flag: nope'],
    ['FROM scratch\nCOPY --link=maybe a /', 'Expecting boolean value for flag link, not: maybe'],
    ['FROM scratch\nCOPY --from=a --from=b a /', 'Duplicate flag specified: from'],
    ['FROM scratch\nBOGUS x', 'unknown instruction: BOGUS'],
    ['RUN x', 'no build stage in current context'],
  ])('%j is refused', (src, message) => {
    expect(() => stagesOf(src)).toThrow(message);
  });

  it('names the line in the error', () => {
    expect(() => stagesOf('FROM scratch\n\nUSER\n')).toThrow('dockerfile parse error on line 3: USER requires exactly one argument');
  });
});
