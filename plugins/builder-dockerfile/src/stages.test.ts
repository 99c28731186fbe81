// Build plans and variable scoping, checked against the Dockerfile reference's examples
// ("Environment replacement", "ARG", "Understand how ARG and FROM interact", "Using ARG variables").
import { describe, expect, it } from 'vitest';
import { parse } from './parser/parser.js';
import { parseStages } from './instructions/parse-instruction.js';
import { expandStage, planBuild, unconsumedBuildArgs, type StageOptions } from './stages.js';

const plan = (src: string, opts: StageOptions = {}) => planBuild(parseStages(parse(src).ast), opts);
const expanded = (src: string, opts: StageOptions = {}, stage = 0, imageEnv: string[] = []) =>
  expandStage(plan(src, opts), stage, imageEnv, opts);

describe('variable substitution', () => {
  it('ENV: the reference example (a variable changes only for the next instruction)', () => {
    const steps = expanded('FROM busybox\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n');
    expect(steps[2]!.env).toEqual(['abc=bye', 'def=hello', 'ghi=bye']);
  });

  it('ENV: quotes and escapes are removed, values may be quoted', () => {
    const steps = expanded('FROM busybox\nENV MY_NAME="John Doe" MY_DOG=Rex\\ The\\ Dog MY_CAT=fluffy\nENV A \'$MY_CAT\' "$MY_CAT"\n');
    expect(steps[1]!.env).toEqual(['MY_NAME=John Doe', 'MY_DOG=Rex The Dog', 'MY_CAT=fluffy', "A=$MY_CAT fluffy"]);
  });

  it('WORKDIR, COPY, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL expand; RUN and CMD do not', () => {
    const steps = expanded(
      'FROM busybox\nENV DIR=/path P="80 443" U=me S=SIGTERM\nWORKDIR ${DIR}/x\nCOPY --chown=$U $DIR/a ${DIR:-/y}/\nUSER $U\nLABEL "k$U"="v $U"\nEXPOSE $P\nVOLUME $DIR\nSTOPSIGNAL $S\nRUN echo $DIR\nCMD echo $DIR\n',
    );
    const cmds = steps.map((s) => s.command);
    expect(cmds[1]).toMatchObject({ path: '/path/x' });
    expect(cmds[2]).toMatchObject({ chown: 'me', sourcePaths: ['/path/a'], destPath: '/path/' });
    expect(cmds[3]).toMatchObject({ user: 'me' });
    expect(cmds[4]).toMatchObject({ labels: [{ key: 'kme', value: 'v me' }] });
    expect(cmds[5]).toMatchObject({ ports: ['80', '443'] });
    expect(cmds[6]).toMatchObject({ volumes: ['/path'] });
    expect(cmds[7]).toMatchObject({ signal: 'SIGTERM' });
    expect(cmds[8]).toMatchObject({ cmdLine: ['echo $DIR'] });
    expect(cmds[9]).toMatchObject({ cmdLine: ['echo $DIR'] });
  });

  it('the base image Env is in scope', () => {
    const steps = expanded('FROM busybox\nWORKDIR $HOME/app\n', {}, 0, ['PATH=/bin', 'HOME=/root']);
    expect(steps[0]!.command).toMatchObject({ path: '/root/app' });
  });
});

describe('ARG scoping', () => {
  it('ARG default, overridden by --build-arg', () => {
    const src = 'FROM busybox\nARG user1=someuser\nUSER $user1\n';
    expect(expanded(src)[1]!.command).toMatchObject({ user: 'someuser' });
    expect(expanded(src, { buildArgs: { user1: 'what_user' } })[1]!.command).toMatchObject({ user: 'what_user' });
  });

  it('an ARG is not in scope before it is declared', () => {
    const steps = expanded('FROM busybox\nUSER ${username:-some_user}\nARG username\nUSER $username\n', { buildArgs: { username: 'what_user' } });
    expect(steps[0]!.command).toMatchObject({ user: 'some_user' });
    expect(steps[2]!.command).toMatchObject({ user: 'what_user' });
  });

  it('ENV overrides ARG of the same name (the CONT_IMG_VER example)', () => {
    const src = 'FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=v1.0.0\nLABEL v=$CONT_IMG_VER\n';
    expect(expanded(src, { buildArgs: { CONT_IMG_VER: 'v2.0.1' } })[2]!.command).toMatchObject({ labels: [{ key: 'v', value: 'v1.0.0' }] });
    const src2 = 'FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}\nLABEL v=$CONT_IMG_VER\n';
    expect(expanded(src2, { buildArgs: { CONT_IMG_VER: 'v2.0.1' } })[2]!.command).toMatchObject({ labels: [{ key: 'v', value: 'v2.0.1' }] });
    expect(expanded(src2)[2]!.command).toMatchObject({ labels: [{ key: 'v', value: 'v1.0.0' }] });
  });

  it('meta ARGs feed FROM, and reach a stage only when re-declared', () => {
    const src = 'ARG VERSION=latest\nFROM busybox:$VERSION\nLABEL before=${VERSION:-unset}\nARG VERSION\nLABEL after=$VERSION\n';
    const p = plan(src);
    expect(p.stages[0]!.baseName).toBe('busybox:latest');
    const steps = expandStage(p, 0, []);
    expect(steps[0]!.command).toMatchObject({ labels: [{ key: 'before', value: 'unset' }] });
    expect(steps[2]!.command).toMatchObject({ labels: [{ key: 'after', value: 'latest' }] });
    expect(plan(src, { buildArgs: { VERSION: '1.36' } }).stages[0]!.baseName).toBe('busybox:1.36');
  });

  it('an ARG scope ends with its stage', () => {
    const src = 'FROM busybox\nARG SETTINGS=x\nFROM busybox\nLABEL s=${SETTINGS:-none}\n';
    expect(expandStage(plan(src), 1, [])[0]!.command).toMatchObject({ labels: [{ key: 's', value: 'none' }] });
  });

  it('platform ARGs are usable in FROM and after ARG', () => {
    const builtinArgs = { TARGETPLATFORM: 'linux/amd64', BUILDPLATFORM: 'linux/amd64', TARGETARCH: 'amd64' };
    const src = 'FROM --platform=$BUILDPLATFORM golang AS build\nARG TARGETARCH\nLABEL arch=$TARGETARCH\n';
    const p = plan(src, { builtinArgs });
    expect(p.stages[0]!.platform).toBe('linux/amd64');
    expect(expandStage(p, 0, [], { builtinArgs })[1]!.command).toMatchObject({ labels: [{ key: 'arch', value: 'amd64' }] });
  });
});

describe('stages', () => {
  const src = 'FROM alpine AS base\nFROM base AS build\nRUN make\nFROM alpine AS unrelated\nFROM scratch\nCOPY --from=build /out /\nCOPY --from=0 /etc/x /\nCOPY --from=nginx:latest /etc/nginx /\n';
  it('the last stage is the default target and pulls in what it uses', () => {
    const p = plan(src);
    expect(p.target).toBe(3);
    expect(p.needed).toEqual([0, 1, 3]);
    expect(p.stages[1]!.baseStage).toBe(0);
  });

  it('--target selects a stage by name, case-insensitively', () => {
    const p = plan(src, { target: 'BUILD' });
    expect(p.target).toBe(1);
    expect(p.needed).toEqual([0, 1]);
    expect(() => plan(src, { target: 'nope' })).toThrow('target stage "nope" could not be found');
  });

  it('refuses COPY --from a later stage index and a blank base', () => {
    expect(() => plan('FROM a\nCOPY --from=0 / /\n')).toThrow('refers to current or future build stage');
    expect(() => plan('ARG X\nFROM $X\n')).toThrow('base name ($X) should not be blank');
  });
});

describe('build args', () => {
  it('classic builders build every stage up to the target', () => {
    expect(plan('FROM a AS x\nFROM b AS y\nFROM c AS z\n', { target: 'y' }).throughTarget).toEqual([0, 1]);
  });

  it('build args no ARG consumed (meta ARGs and stages up to the target count, proxies never warn)', () => {
    const src = 'ARG META\nFROM a AS x\nARG INX\nFROM b AS y\nARG INY\n';
    const df = parseStages(parse(src).ast);
    const buildArgs = { META: '1', INX: '1', INY: '1', HTTP_PROXY: 'p', zz: '1', aa: '1' };
    expect(unconsumedBuildArgs(df, planBuild(df, { buildArgs, target: 'x' }), buildArgs)).toEqual(['INY', 'aa', 'zz']);
    expect(unconsumedBuildArgs(df, planBuild(df, { buildArgs }), buildArgs)).toEqual(['aa', 'zz']);
  });
});
