import { Args, Errors, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

// docker/cli formatter_search.go: AUTOMATED is gone from the table and the template fields.
const DEFAULT_FORMAT = 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}';
const HEADERS = { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL' };

export default class Search extends BerthCommand {
  static override summary = 'Search Docker Hub for images';
  static override description = 'Searches a registry\'s v1 search API (Docker Hub\'s, or HOST/TERM on another registry); a registry without one has its catalog listed and filtered by name instead.';
  static override examples = ['<%= config.bin %> search busybox', '<%= config.bin %> search --filter stars=3 --no-trunc busybox', '<%= config.bin %> search --format "{{.Name}}: {{.StarCount}}" 127.0.0.1:5000/team'];
  static override args = { term: Args.string({ description: 'TERM', required: true }) };
  static override flags = {
    filter: Flags.string({ char: 'f', description: 'Filter output based on conditions provided', multiple: true, multipleNonGreedy: true }),
    format: Flags.string({ description: 'Pretty-print search using a Go template' }),
    limit: Flags.integer({ description: 'Max number of search results', default: 0 }),
    'no-trunc': Flags.boolean({ description: "Don't truncate output" }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Search);
    const core = await import('@berth/core');
    const filterArgs = flags.filter ?? [];
    // docker's flag parser refuses these before anything runs: a usage error (exit 125).
    const bad = filterArgs.find((f) => !f.includes('='));
    if (bad !== undefined) throw new Errors.CLIError(`invalid argument "${bad}" for "-f, --filter" flag: bad format of filter (expected name=value)`);
    if (filterArgs.some((f) => f.split('=')[0]!.trim().toLowerCase() === 'is-automated')) {
      this.errLine('WARNING: the "is-automated" filter is deprecated, and searching for "is-automated=true" will not yield any results in future.');
    }
    const filters = core.parseSearchFilters(filterArgs);
    const { host, term } = core.splitSearchTerm(args.term);
    const limit = core.searchLimit(flags.limit);
    let results: import('@berth/core').RegistrySearchResult[] = [];
    if (!filters.nothing) {
      const adapter = await this.registryAdapter(flags.root, host);
      if (!adapter.search) throw new core.BerthError('ERR_UNSUPPORTED', `the registry adapter for ${host} cannot search`);
      const { registryOptions } = await import('../registry/registry-options.js');
      const found = await adapter.search(host, term, { ...(await registryOptions()), limit });
      if (found.via === 'catalog') this.errLine(`${host} has no search API: listing its catalog for repository names containing "${term}"`);
      results = core.filterSearchResults(found.results, filters);
    }
    const { ellipsis } = await import('../output/render.js');
    const trunc = !flags['no-trunc'];
    const description = (d: string): string => {
      const one = d.replace(/\n/g, ' ').replace(/\r/g, ' ');
      return trunc ? ellipsis(one, 45) : one;
    };
    process.stdout.write(core.renderList(results, flags.format ?? '', {
      defaultTableFormat: DEFAULT_FORMAT,
      headers: HEADERS,
      typeName: '*registry.searchContext',
      toTemplateData: (r) => ({ Name: r.name, Description: description(r.description), StarCount: String(r.starCount), IsOfficial: r.isOfficial ? '[OK]' : '' }),
      toJSONData: (r) => ({ Name: r.name, Description: description(r.description), StarCount: String(r.starCount), IsOfficial: String(r.isOfficial) }),
    }));
  }
}
