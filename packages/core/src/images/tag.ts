// `tag`: point a new name at an existing image (moby daemon/images/image_tag.go).
import type { Digest } from '../digest.js';
import type { StoreSnapshot } from '../contracts/metadata-store.js';
import { parseTagReference, referenceString } from '../reference.js';
import { findImage } from './lookup.js';
import { formatGoTimeRFC3339 } from '../format/index.js';

export function tagImage(s: StoreSnapshot, source: string, target: string, now = new Date()): Digest {
  const name = referenceString(parseTagReference(target));
  const { record } = findImage(s, source);
  s.tags.set(name, record.id);
  record.lastTagTime = formatGoTimeRFC3339(now, 'UTC');
  return record.id;
}
