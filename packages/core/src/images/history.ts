// `history`: one row per history entry of the config, newest first, with each layer's size;
// the top row carries the image ID and its parents' rows theirs (moby image_history.go).
import { BerthError } from '../errors.js';
import type { ImageConfig } from '../config.js';
import type { Digest } from '../digest.js';
import type { StoreSnapshot } from '../contracts/metadata-store.js';
import { familiarString, parseNormalizedReference } from '../reference.js';
import type { FoundImage } from './lookup.js';
import { tagsOf } from './lookup.js';

/** The Engine API's HistoryResponseItem. */
export interface HistoryItem {
  Id: string;
  /** Unix seconds. */
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export function imageHistory(s: StoreSnapshot, found: FoundImage, config: ImageConfig): HistoryItem[] {
  const rec = found.record;
  const items: HistoryItem[] = [];
  let layer = 0;
  for (const h of config.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      const l = rec.layers[layer];
      if (!l) throw new BerthError('ERR_CONFIG_INVALID', 'too many non-empty layers in History section');
      size = l.size;
      layer++;
    }
    items.unshift({
      Id: '<missing>',
      Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
      CreatedBy: h.created_by ?? '',
      Tags: null,
      Size: size,
      Comment: h.comment ?? '',
    });
  }
  // Walk up the parent chain naming each row, as far as the parents are known here.
  let id: Digest | undefined = rec.id;
  for (const item of items) {
    if (!id) break;
    item.Id = id;
    const tags = tagsOf(s, id).map((t) => familiarString(parseNormalizedReference(t)));
    item.Tags = tags.length > 0 ? tags : null;
    id = s.images.get(id)?.parent;
    if (id && !s.images.has(id)) break;
  }
  return items;
}
