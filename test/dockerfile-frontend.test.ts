// Docker is the oracle for the Dockerfile frontend: metadata-only Dockerfiles (FROM scratch, no
// RUN/COPY) are built by a real dockerd's classic builder, and the image config it writes is
// compared with the one berth's parser, stages, substitution and config dispatch compute.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerConfig } from '@berth/core';
import { applyDockerfileChanges, applyToConfig, expandStage, unconsumedBuildArgs, newConfigState, parse, parseStages, planBuild, type ConfigState } from '@berth/builder-dockerfile';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { docker, dockerOk } from './support/docker.js';

/** A corpus Dockerfile made buildable without a base image (its FROM becomes scratch). */
function fromCorpus(name: string): string {
  const url = new URL(`../plugins/builder-dockerfile/testdata/buildkit-parser-testfiles/testfiles/${name}/Dockerfile`, import.meta.url);
  return readFileSync(url, 'utf8').replace(/^FROM .*$/m, 'FROM scratch');
}

// The classic builder gives a scratch stage Docker's default PATH.
const SCRATCH_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

interface Case {
  name: string;
  dockerfile: string;
  buildArgs?: Record<string, string>;
  target?: string;
  /** Docker refuses this Dockerfile (and berth must too). */
  refused?: boolean;
}

const CASES: Case[] = [
  {
    name: 'ENV forms, quotes, escapes and the reference example',
    dockerfile: [
      'FROM scratch',
      'ENV abc=hello',
      'ENV abc=bye def=$abc',
      'ENV ghi=$abc',
      'ENV MY_NAME="John Doe" MY_DOG=Rex\\ The\\ Dog \\',
      '    MY_CAT=fluffy',
      'ENV LEGACY some value "with quotes" and $abc',
      "ENV SQ='$abc' DQ=\"$abc\" ESC=\\$abc BR=${abc}x",
      // This dockerd's classic builder vendors an older lexer: no ${v-w}, ${v#p}, ${v%p}, ${v/p/r} (unit-tested from buildkit's table).
      'ENV E1=${nope:-dflt} E2=${abc:+set} E3=${nope:+set} E4=${abc:-$def}',
    ].join('\n'),
  },
  {
    name: 'ARG scoping: meta args, --build-arg, defaults, ENV over ARG',
    dockerfile: [
      'ARG BASE_TAG=1.0',
      'ARG UNUSED_META=meta',
      'FROM scratch',
      'LABEL before=${BASE_TAG:-unset}',
      'ARG BASE_TAG',
      'ARG user1=someuser',
      'ARG buildno',
      'ARG CONT_IMG_VER',
      'ENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}',
      'ARG OVERRIDDEN=arg',
      'ENV OVERRIDDEN=env',
      'LABEL tag=$BASE_TAG user=$user1 build=${buildno:-none} ver=$CONT_IMG_VER over=$OVERRIDDEN',
      'USER $user1',
    ].join('\n'),
    buildArgs: { user1: 'what_user', CONT_IMG_VER: 'v2.0.1', OVERRIDDEN: 'cli' },
  },
  {
    name: 'LABEL quoting and continuation',
    dockerfile: [
      'FROM scratch',
      'LABEL "com.example.vendor"="ACME Incorporated"',
      'LABEL com.example.label-with-value="foo" version="1.0" \\',
      '      description="This text illustrates \\',
      'that label-values can span multiple lines."',
      "LABEL single='a b' multi.label1=\"value1\" multi.label2=value2 other=\"value3\"",
      'LABEL legacy value with spaces',
    ].join('\n'),
  },
  {
    name: 'WORKDIR, USER, STOPSIGNAL, SHELL, CMD and ENTRYPOINT',
    dockerfile: [
      'FROM scratch',
      'ENV DIRPATH=/path',
      'WORKDIR /a',
      'WORKDIR b',
      'WORKDIR c/../d',
      'WORKDIR $DIRPATH/$DIRNAME',
      'USER patrick:staff',
      'STOPSIGNAL SIGKILL',
      'CMD echo "hello world"',
      'ENTRYPOINT ["top", "-b"]',
      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
      'CMD echo shell form after SHELL',
    ].join('\n'),
  },
  {
    name: 'ENTRYPOINT resets an inherited CMD; exec-form CMD',
    dockerfile: ['FROM scratch AS base', 'CMD ["base-cmd"]', 'FROM base', 'ENTRYPOINT exec top -b'].join('\n'),
  },
  {
    name: 'EXPOSE, VOLUME, HEALTHCHECK, ONBUILD, MAINTAINER',
    dockerfile: [
      'FROM scratch',
      'MAINTAINER Jane Doe <jane@example.com>',
      'ENV PORTS="8080 9090/udp" V=/var/log',
      'EXPOSE 80 443/tcp 53/udp 7000-7002',
      'EXPOSE $PORTS',
      'VOLUME ["/data", "/srv/www"]',
      'VOLUME /a $V',
      'HEALTHCHECK --interval=5m --timeout=3s --start-period=1m30s --retries=3 CMD curl -f http://localhost/ || exit 1',
      'ONBUILD ADD . /app/src',
      'ONBUILD RUN /usr/local/bin/python-build --dir /app/src',
    ].join('\n'),
  },
  {
    name: 'HEALTHCHECK exec form replaced by NONE; escape directive',
    dockerfile: [
      '# escape=`',
      'FROM scratch',
      'HEALTHCHECK CMD ["/bin/check", "--quiet"]',
      'HEALTHCHECK NONE',
      'LABEL path=c:\\windows `',
      '      next=`$HOME',
    ].join('\n'),
  },
  { name: "buildkit corpus 'env' is refused for its unterminated single quote", dockerfile: fromCorpus('env'), refused: true },
  {
    name: "buildkit corpus 'env' without that line: every other ENV quoting form",
    dockerfile: fromCorpus('env').replace("ENV name='a\\'b'\n", ''),
  },
  { name: "buildkit corpus 'trailing-backslash': escaped backslashes and continuations", dockerfile: fromCorpus('trailing-backslash') },
  {
    name: '--target picks a middle stage',
    dockerfile: ['FROM scratch AS one', 'LABEL stage=one', 'FROM one AS two', 'LABEL stage=two extra=yes', 'FROM scratch', 'LABEL stage=last'].join('\n'),
    target: 'two',
  },
];

/** berth's config for a metadata-only Dockerfile: parse, plan, expand and dispatch. */
function berthConfig(c: Case): ConfigState {
  const df = parseStages(parse(c.dockerfile).ast);
  const opts = { ...(c.buildArgs ? { buildArgs: c.buildArgs } : {}), ...(c.target ? { target: c.target } : {}) };
  const plan = planBuild(df, opts);
  const escapeToken = parse(c.dockerfile).escapeToken;
  const states = new Map<number, ConfigState>();
  for (const i of plan.needed) {
    const s = plan.stages[i]!;
    const parent = s.baseStage !== undefined ? states.get(s.baseStage)! : undefined;
    const state = newConfigState(parent ? parent.config : { Env: SCRATCH_ENV }, parent?.author);
    for (const step of expandStage(plan, i, state.config.Env ?? [], { ...opts, escapeToken })) applyToConfig(state, step.command);
    states.set(i, state);
  }
  return states.get(plan.target)!;
}

const FIELDS = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Labels', 'StopSignal', 'Healthcheck', 'Shell', 'OnBuild'] as const;

function pick(config: ContainerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const v = config[f];
    out[f] = v === undefined || v === '' ? null : v;
  }
  return out;
}

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'frontend-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('Dockerfile frontend against docker build', () => {
  CASES.forEach((c, n) => {
    it(c.name, async () => {
      const ctx = await mkdtemp(join(work, `case${n}-`));
      await writeFile(join(ctx, 'Dockerfile'), c.dockerfile + '\n');
      const args = ['build', '-q', '-t', `frontend-case:${n}`];
      for (const [k, v] of Object.entries(c.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
      if (c.target) args.push('--target', c.target);
      const built = await docker([...args, ctx]);
      expect(built.code !== 0, built.stderr).toBe(c.refused === true);
      if (built.code !== 0) {
        // Docker refused the Dockerfile: berth must refuse it with the same message.
        const reason = built.stderr.trim().split('\n').pop()!;
        expect(reason).toMatch(/failed to|error/i);
        expect(() => berthConfig(c)).toThrow(reason.replace(/^Error response from daemon: /, ''));
        return;
      }
      const inspected = JSON.parse(await dockerOk(['image', 'inspect', `frontend-case:${n}`])) as { Config: ContainerConfig; Author: string }[];
      const ours = berthConfig(c);
      expect(pick(ours.config)).toEqual(pick(inspected[0]!.Config));
      expect(ours.author ?? '').toBe(inspected[0]!.Author);
      await dockerOk(['rmi', `frontend-case:${n}`]);
    });
  });
});

describe('--change against docker import', () => {
  const CHANGES: { name: string; changes: string[]; refused?: boolean }[] = [
    {
      name: 'every allowed instruction, with substitution from earlier ENV changes',
      changes: [
        'ENV A=1 B="two words"',
        'ENV C=$A-${B}',
        'WORKDIR /srv',
        'WORKDIR app',
        'USER nobody',
        'EXPOSE 80 443/udp',
        'VOLUME ["/data"]',
        'LABEL a=b "c d"=e',
        'ONBUILD RUN make',
        'CMD echo $A',
        'ENTRYPOINT ["/bin/sh", "-c"]',
      ],
    },
    { name: 'ENTRYPOINT then CMD, shell forms', changes: ['ENTRYPOINT run me', 'CMD ["x"]'] },
    { name: 'CMD then ENTRYPOINT keeps the CMD; EXPOSE ranges', changes: ['CMD ["x"]', 'ENTRYPOINT ["y"]', 'EXPOSE 7000-7002/udp'] },
    { name: 'RUN is refused', changes: ['RUN echo hi'], refused: true },
    { name: 'STOPSIGNAL is refused (not in the documented list)', changes: ['STOPSIGNAL SIGTERM'], refused: true },
  ];
  CHANGES.forEach((c, n) => {
    it(c.name, async () => {
      const tar = join(work, `empty${n}.tar`);
      execFileSync('tar', ['-cf', tar, '-T', '/dev/null']);
      const args = ['import', ...c.changes.flatMap((ch) => ['-c', ch]), tar, `frontend-change:${n}`];
      const imported = await docker(args);
      expect(imported.code !== 0, imported.stderr).toBe(c.refused === true);
      if (imported.code !== 0) {
        const reason = imported.stderr.trim().split('\n').pop()!.replace(/^Error response from daemon: /, '');
        expect(() => applyDockerfileChanges({}, c.changes)).toThrow(reason);
        return;
      }
      const inspected = JSON.parse(await dockerOk(['image', 'inspect', `frontend-change:${n}`])) as { Config: ContainerConfig }[];
      expect(pick(applyDockerfileChanges({}, c.changes))).toEqual(pick(inspected[0]!.Config));
      await dockerOk(['rmi', `frontend-change:${n}`]);
    });
  });
});

describe('unconsumed build args against docker build', () => {
  it.each([['x'], ['y']])('--target %s warns about the same names', async (target) => {
    const dockerfile = 'ARG META\nFROM scratch AS x\nARG INX\nLABEL a=b\nFROM scratch AS y\nARG INY\nLABEL c=d\n';
    const buildArgs = { META: '1', INX: '1', INY: '1', HTTP_PROXY: 'p', zz: '1', aa: '1' };
    const ctx = await mkdtemp(join(work, 'bargs-'));
    await writeFile(join(ctx, 'Dockerfile'), dockerfile);
    const args = ['build', '--target', target, ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), ctx];
    const built = await docker(args);
    expect(built.code, built.stderr).toBe(0);
    const m = /One or more build-args \[(.*)\] were not consumed/.exec(built.stdout + built.stderr);
    const df = parseStages(parse(dockerfile).ast);
    const ours = unconsumedBuildArgs(df, planBuild(df, { buildArgs, target }), buildArgs);
    // dockerd lists them in Go map order (random); berth sorts them.
    expect(ours).toEqual((m?.[1] ?? '').split(' ').filter(Boolean).sort());
  });
});
