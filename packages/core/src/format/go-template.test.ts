import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isBerthError } from '../errors.js';
import { GoTemplate, parseDockerTemplate } from './go-template.js';
import { GoFloat, goStruct, jsonToGoMaps } from './go-value.js';

// Outputs recorded from the real docker CLI by testdata/record-docker-oracle.mjs
// (`docker context inspect -f`, which runs Go's text/template with docker/cli's functions).
const oracle = JSON.parse(readFileSync(new URL('./testdata/docker-template-oracle.json', import.meta.url), 'utf8')) as {
  docker: string;
  prefix: string;
  results: { template: string; output?: string; error?: string }[];
};
const context = JSON.parse(readFileSync(new URL('./testdata/oracle-context.json', import.meta.url), 'utf8'));

/** encoding/json into interface{}: objects become maps and every number a float64. */
function goJSONDecode(v: unknown): unknown {
  const floats = (x: unknown): unknown =>
    typeof x === 'number'
      ? new GoFloat(x)
      : Array.isArray(x)
        ? x.map(floats)
        : x !== null && typeof x === 'object'
          ? Object.fromEntries(Object.entries(x).map(([k, e]) => [k, floats(e)]))
          : x;
  return jsonToGoMaps(floats(v));
}

// The same Go value docker's template sees, with docker's own type names.
const { Description, ...additional } = context.Metadata;
const dockerData = goStruct('context.contextWithTLSListing', {
  Metadata: goStruct('store.Metadata', {
    Name: context.Name,
    // DockerContext sits in an interface{} field, so Go names that type in errors.
    Metadata: goStruct('interface {}', { Description, AdditionalFields: goJSONDecode(additional) }),
    Endpoints: new Map([['docker', goStruct('context.EndpointMetaBase', context.Endpoints.docker)]]),
  }),
});

function render(template: string, data: unknown): { output?: string; error?: string } {
  try {
    return { output: parseDockerTemplate(template).execute(data) };
  } catch (err) {
    if (isBerthError(err, 'ERR_TEMPLATE')) return { error: err.message };
    throw err;
  }
}

describe(`Go templates match docker ${oracle.docker}`, () => {
  it.each(oracle.results.map((r) => [r.template, r] as const))('%s', (template, expected) => {
    expect(render(oracle.prefix + template, dockerData)).toEqual(
      expected.error !== undefined ? { error: expected.error } : { output: expected.output },
    );
  });
});

// How plain JS data stands in for Go values (go-value.ts). Expectations follow Go semantics that the
// oracle cases above pin down for the equivalent Go types.
describe('GoTemplate over JS data', () => {
  const run = (text: string, data: unknown, missingKey?: 'error'): string =>
    parseDockerTemplate(text).execute(data, { missingKey });

  it('treats a plain object as a struct: ordered fields, %+v names, missing field is an error', () => {
    const image = { Repository: 'alpine', Size: 7, Tags: ['3.20', 'latest'] };
    expect(run('{{.}}|{{printf "%+v" .}}', image)).toBe('{alpine 7 [3.20 latest]}|{Repository:alpine Size:7 Tags:[3.20 latest]}');
    expect(() => run('{{.Nope}}', image)).toThrow(
      `template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type struct`,
    );
    expect(() => run('{{.Nope}}', goStruct('*formatter.imageContext', { ...image }))).toThrow(
      "can't evaluate field Nope in type *formatter.imageContext",
    );
  });

  it('treats a Map as a Go map: sorted when printed, a missing key is <no value> or, for map[string]string, ""', () => {
    const labels = new Map([['z', '1'], ['a', '2']]);
    expect(run('{{.L}}|{{.L.nope}}|[{{index .L "nope"}}]|{{range $k, $v := .L}}{{$k}}={{$v}},{{end}}', { L: labels })).toBe(
      'map[a:2 z:1]|<no value>|[]|a=2,z=1,',
    );
    expect(() => run('{{.L.nope}}', { L: labels }, 'error')).toThrow('map has no entry for key "nope"');
  });

  it('calls function properties as methods, with arguments', () => {
    const data = { Name: 'x', Greet: (who: string) => `hi ${who}`, Fail: () => { throw new Error('boom'); } };
    expect(run('{{.Greet "you"}}|{{.Name}}|{{.}}', data)).toBe('hi you|x|{x}');
    expect(() => run('{{.Fail}}', data)).toThrow('executing "" at <.Fail>: error calling Fail: boom');
  });

  it('keeps int and float64 apart: integral numbers are ints, GoFloat marks an integral float64', () => {
    expect(run('{{printf "%d %v %T" .I .F .F}}|{{printf "%d" .G}}|{{.G}}', { I: 3, F: 2.5, G: new GoFloat(2) })).toBe(
      '3 2.5 float64|%!d(float64=2)|2',
    );
    expect(run('{{printf "%d %T" . .}}', 2n ** 62n)).toBe('4611686018427387904 int64');
  });

  it('prints undefined and null fields as <no value> but null inside containers as <nil>', () => {
    expect(run('{{.A}}|{{.B}}|{{.C}}', { A: undefined, B: null, C: [null, 'x'] })).toBe('<no value>|<no value>|[<nil> x]');
  });

  it('prints a Date as Go time.Time', () => {
    expect(run('{{.}}', new Date('2024-01-02T03:04:05Z'))).toMatch(/^2024-01-0[12] \d\d:\d\d:05 [+-]\d{4} \S+$/);
  });

  it('raises BerthError ERR_TEMPLATE with Go parse messages', () => {
    let caught: unknown;
    try {
      parseDockerTemplate('{{.ID}}\n{{if}}');
    } catch (err) {
      caught = err;
    }
    expect(isBerthError(caught, 'ERR_TEMPLATE')).toBe(true);
    expect((caught as Error).message).toBe('template: :2: missing value for if');
    expect(() => GoTemplate.parse('{{json .}}')).toThrow('template: :1: function "json" not defined');
  });

  it('lets functions be replaced after parsing and reports partial output with tryExecute', () => {
    const tmpl = parseDockerTemplate('{{upper .A}}-{{.B.C}}');
    expect(tmpl.execute({ A: 'x', B: { C: 1 } })).toBe('X-1');
    const headerLike = tmpl.withFuncs({ upper: { params: ['string'], call: (s: string) => `<${s}>` } as never });
    expect(headerLike.execute({ A: 'x', B: { C: 1 } })).toBe('<x>-1');
    const r = tmpl.tryExecute({ A: 'x', B: 'str' });
    expect(r.output).toBe('X-');
    expect(r.error?.message).toBe(`template: :1:17: executing "" at <.B.C>: can't evaluate field C in type string`);
  });
});
