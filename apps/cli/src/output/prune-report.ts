// What docker's prune commands print for each kind of thing removed (cli/command/*/prune.go): a
// section only when something went, then one total of the space reclaimed.
import type { DeleteRecord } from '@berth/core';

export function deletedContainers(ids: readonly string[]): string {
  return ids.length === 0 ? '' : `Deleted Containers:\n${ids.map((id) => `${id}\n`).join('')}`;
}

export function deletedImages(records: readonly DeleteRecord[]): string {
  if (records.length === 0) return '';
  return `Deleted Images:\n${records.map((r) => ('Untagged' in r ? `untagged: ${r.Untagged}\n` : `deleted: ${r.Deleted}\n`)).join('')}`;
}

/** The sections, each followed by an empty line as docker's Fprintln adds, then the total. */
export async function pruneReport(sections: readonly string[], reclaimed: number): Promise<string> {
  const { humanSize } = await import('@berth/core');
  return `${sections.filter((s) => s !== '').map((s) => `${s}\n`).join('')}Total reclaimed space: ${humanSize(reclaimed)}\n`;
}
