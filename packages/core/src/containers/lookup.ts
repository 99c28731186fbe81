// Finding a container as the daemon does (daemon.GetContainer): a full ID, then a name, then a
// unique ID prefix.
import { BerthError } from '../errors.js';
import type { ContainerRecord } from '../contracts/containers.js';

export function findContainer(all: readonly ContainerRecord[], input: string): ContainerRecord {
  if (input === '') throw new BerthError('ERR_INVALID_ARGUMENT', 'No such container: ');
  const exact = all.find((c) => c.Id === input);
  if (exact) return exact;
  const name = input.startsWith('/') ? input : `/${input}`;
  const named = all.find((c) => c.Name === name);
  if (named) return named;
  const matches = /^[0-9a-f]+$/.test(input) ? all.filter((c) => c.Id.startsWith(input)) : [];
  if (matches.length > 1) throw new BerthError('ERR_INVALID_ARGUMENT', `multiple IDs found with provided prefix: ${input}`);
  if (matches.length === 0) throw new BerthError('ERR_CONTAINER_UNKNOWN', `No such container: ${input}`);
  return matches[0]!;
}
