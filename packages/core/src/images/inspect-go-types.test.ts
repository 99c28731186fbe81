import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderOne } from '../format/docker-format.js';
import type { ImageInspect } from './inspect.js';
import { GoTime, imageInspectTemplateData } from './inspect-go-types.js';

// Recorded from docker CLI 28.2.2 against dockerd 20.10.24: the daemon's answer for one image,
// and what the CLI printed for each template on it.
const testdata = join(import.meta.dirname, 'testdata');
const daemonJSON = JSON.parse(readFileSync(join(testdata, 'dockerd-image-inspect.json'), 'utf8')) as ImageInspect;
const recorded = JSON.parse(readFileSync(join(testdata, 'docker-cli-inspect-formats.json'), 'utf8')) as { cases: { format: string; docker?: string; error?: string }[] };

const render = (format: string, inspect: ImageInspect = daemonJSON): string => renderOne(format, imageInspectTemplateData(inspect), { raw: inspect });

describe('image inspect -f on docker CLI 28\'s types', () => {
  for (const c of recorded.cases) {
    it(`${c.format} prints what docker printed`, () => {
      if (c.error !== undefined) expect(() => render(c.format)).toThrow(c.error);
      else expect(render(c.format)).toBe(`${c.docker}\n`);
    });
  }

  it('leaves empty OCI config fields out of json and prints Go\'s zero values; a zero time as Go prints it', () => {
    const bare: ImageInspect = {
      ...daemonJSON,
      Config: { Env: null, Cmd: null, ExposedPorts: { '80/tcp': {} }, Labels: null } as unknown as ImageInspect['Config'],
      Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
      RootFS: { Type: 'layers', Layers: [] },
    };
    expect(render('{{json .Config}}', bare)).toBe('{"ExposedPorts":{"80/tcp":{}}}\n');
    expect(render('{{.Config}}', bare)).toBe('{{ map[80/tcp:{}] [] [] [] map[]  map[]  false} {<nil> [] []}}\n');
    expect(render('{{.Metadata}} {{json .Metadata}}', bare)).toBe('{0001-01-01 00:00:00 +0000 UTC} {"LastTagTime":"0001-01-01T00:00:00Z"}\n');
    expect(render('{{json .RootFS}}', bare)).toBe('{"Type":"layers"}\n');
    expect(render('{{if .Config.Healthcheck}}set{{else}}nil{{end}} {{.Config.Healthcheck}}', bare)).toBe('nil <nil>\n');
    expect(render('[{{index .Config.Labels "tier"}}]', bare)).toBe('[]\n');
    // A field the JSON has as null is Go's nil slice or map: printed empty, null in JSON.
    expect(render('{{json .Config.Cmd}} {{json .Config.Labels}} {{json .Config.Entrypoint}} {{.Config.Cmd}} {{len .Config.Cmd}} {{json .Manifests}}', bare)).toBe('null null null [] 0 null\n');
    expect(render('{{json .Config.ExposedPorts}} {{json .RootFS.Layers}}', bare)).toBe('{"80/tcp":{}} []\n');
  });

  it('GoTime keeps nanoseconds, drops trailing zeros, and names a fixed offset as Go does', () => {
    expect(new GoTime('2026-11-29T17:44:09.053790974Z').String()).toBe('2026-11-29 17:44:09.053790974 +0000 UTC');
    expect(new GoTime('2026-11-29T17:44:09.100Z').MarshalJSON()).toBe('"2026-11-29T17:44:09.1Z"');
    expect(new GoTime('2026-11-29T18:44:09+01:00').String()).toBe('2026-11-29 18:44:09 +0100 +0100');
  });
});
