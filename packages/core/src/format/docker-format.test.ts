import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isBerthError } from '../errors.js';
import { preFormat, renderInspectJSON, renderList, renderOne, type ListFormat } from './docker-format.js';

// `docker context ls --format …` outputs recorded by testdata/record-docker-oracle.mjs.
const oracle = JSON.parse(readFileSync(new URL('./testdata/docker-list-oracle.json', import.meta.url), 'utf8')) as {
  docker: string;
  results: { format: string; output?: string; error?: string }[];
};
const listCases = JSON.parse(readFileSync(new URL('./testdata/list-cases.json', import.meta.url), 'utf8')) as {
  contexts: { name: string; description: string; host: string }[];
};

interface ClientContext {
  name: string;
  description: string;
  endpoint: string;
  current: boolean;
}

const contexts: ClientContext[] = [
  ...listCases.contexts.map((c) => ({ name: c.name, description: c.description, endpoint: c.host, current: false })),
  { name: 'default', description: 'Current DOCKER_HOST based configuration', endpoint: 'unix:///var/run/docker.sock', current: true },
].sort((a, b) => (a.name < b.name ? -1 : 1));

// docker/cli's formatter for contexts, as a berth command would declare it.
const contextList: ListFormat<ClientContext> = {
  defaultTableFormat: 'table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}',
  headers: { Name: 'NAME', Description: 'DESCRIPTION', DockerEndpoint: 'DOCKER ENDPOINT', Error: 'ERROR' },
  typeName: '*formatter.clientContextContext',
  toTemplateData: (c) => ({
    Name: c.name,
    Description: c.description,
    DockerEndpoint: c.endpoint,
    Current: c.current,
    // A method in docker/cli, which makes the context an `error` value to fmt.
    Error: () => '',
  }),
};

function render(format: string): { output?: string; error?: string } {
  try {
    return { output: renderList(contexts, format, contextList) };
  } catch (err) {
    if (isBerthError(err, 'ERR_TEMPLATE')) return { error: err.message };
    throw err;
  }
}

describe(`renderList matches docker ${oracle.docker} listings`, () => {
  it.each(oracle.results.map((r) => [r.format, r] as const))('--format %j', (format, expected) => {
    expect(render(format)).toEqual(expected.error !== undefined ? { error: expected.error } : { output: expected.output });
  });

  it('prints the header even with nothing to list', () => {
    expect(renderList([], '', contextList)).toBe('NAME      DESCRIPTION   DOCKER ENDPOINT   ERROR\n');
    expect(renderList([], '{{.Name}}', contextList)).toBe('');
  });
});

describe('preFormat', () => {
  it('strips "table", trims spaces and expands \\t and \\n escapes', () => {
    expect(preFormat('table  {{.ID}}\\t{{.Size}}\\n ')).toEqual({ template: '{{.ID}}\t{{.Size}}\n', table: true });
    expect(preFormat('json')).toEqual({ template: '{{json .}}', table: false });
    expect(preFormat('{{json .}}')).toEqual({ template: '{{json .}}', table: false });
  });
});

describe('renderOne (inspect -f)', () => {
  const image = { Id: 'sha256:abc', RepoTags: ['alpine:3.20', 'alpine:latest'], Config: { Labels: new Map([['a', 'b']]) }, Size: 7_800_000 };

  it('renders one element followed by a newline, without table or \\t handling', () => {
    expect(renderOne('{{.Id}} {{join .RepoTags ","}} {{.Config.Labels}} {{.Size}}', image)).toBe(
      'sha256:abc alpine:3.20,alpine:latest map[a:b] 7800000\n',
    );
    expect(renderOne('table {{.Id}}\\t', image)).toBe('table sha256:abc\\t\n');
  });

  it('falls back to the raw JSON with missingkey=error when the typed lookup fails', () => {
    const raw = { Id: 'sha256:abc', Extra: { Field: 'x' } };
    expect(renderOne('{{.Extra.Field}}', image, { raw })).toBe('x\n');
    expect(() => renderOne('{{.Nope}}', image, { raw })).toThrow(
      'template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"',
    );
  });

  it('reports typed errors when there is no raw element', () => {
    expect(() => renderOne('{{.Nope}}', image)).toThrow(
      `template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type struct`,
    );
    expect(() => renderOne('{{.Id', image)).toThrow('template parsing error: template: :1: unclosed action');
  });
});

describe('renderInspectJSON', () => {
  it('indents by four spaces like json.MarshalIndent, or is compact for --format json', () => {
    const el = { Id: 'x', Tags: ['<none>'], Empty: [], Labels: new Map([['b', '2'], ['a', '1']]) };
    expect(renderInspectJSON([el], '')).toBe(
      '[\n    {\n        "Id": "x",\n        "Tags": [\n            "\\u003cnone\\u003e"\n        ],\n        "Empty": [],\n' +
        '        "Labels": {\n            "a": "1",\n            "b": "2"\n        }\n    }\n]\n',
    );
    expect(renderInspectJSON([el], 'json')).toBe('[{"Id":"x","Tags":["\\u003cnone\\u003e"],"Empty":[],"Labels":{"a":"1","b":"2"}}]\n');
    expect(renderInspectJSON([], '')).toBe('[]\n');
  });
});
