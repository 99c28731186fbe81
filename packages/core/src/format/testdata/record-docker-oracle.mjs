// Records how the real Docker CLI (Go's text/template + docker/cli templates) renders each template
// in template-cases.json, into docker-template-oracle.json, which go-template.test.ts replays.
// Needs only the docker client binary: `docker context inspect -f` runs templates client-side.
// Usage: node packages/core/src/format/testdata/record-docker-oracle.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
export const PREFIX = '{{$m := .Metadata.Metadata.AdditionalFields}}';
const meta = JSON.parse(readFileSync(join(here, 'oracle-context.json'), 'utf8'));
const cases = JSON.parse(readFileSync(join(here, 'template-cases.json'), 'utf8'));

const config = mkdtempSync(join(tmpdir(), 'berth-oracle-'));
const dir = join(config, 'contexts', 'meta', createHash('sha256').update(meta.Name).digest('hex'));
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
const env = { ...process.env, DOCKER_CONFIG: config };
// `docker version` exits 1 without a daemon but still prints the client part.
const version = spawnSync('docker', ['version', '--format', '{{.Client.Version}} {{.Client.GoVersion}}'], { env })
  .stdout.toString()
  .trim();

const results = cases.map((template) => {
  const r = spawnSync('docker', ['context', 'inspect', meta.Name, '-f', PREFIX + template], { env });
  const stdout = r.stdout.toString();
  const stderr = r.stderr.toString().trim();
  if (r.status === 0) return { template, output: stdout.slice(0, -1) }; // inspect adds one newline
  return { template, error: stderr.replace(/^template parsing error: /, '') };
});
writeFileSync(join(here, 'docker-template-oracle.json'), JSON.stringify({ docker: version, prefix: PREFIX, results }, null, 1) + '\n');
console.log(`recorded ${results.length} template cases with docker ${version}`);

// Listings: `docker context ls --format …` is a formatter.Context listing (table, json, header
// functions) that needs no daemon. The built-in "default" context is the current one.
const list = JSON.parse(readFileSync(join(here, 'list-cases.json'), 'utf8'));
rmSync(config, { recursive: true });
mkdirSync(config);
for (const c of list.contexts) {
  const r = spawnSync('docker', ['context', 'create', c.name, '--description', c.description, '--docker', `host=${c.host}`], { env });
  if (r.status !== 0) throw new Error(r.stderr.toString());
}
const listResults = list.formats.map((format) => {
  const r = spawnSync('docker', ['context', 'ls', '--format', format], { env });
  if (r.status === 0) return { format, output: r.stdout.toString() };
  return { format, error: r.stderr.toString().trim() };
});
rmSync(config, { recursive: true });
writeFileSync(join(here, 'docker-list-oracle.json'), JSON.stringify({ docker: version, results: listResults }, null, 1) + '\n');
console.log(`recorded ${listResults.length} listing cases`);
