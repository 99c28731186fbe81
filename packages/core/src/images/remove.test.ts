import { describe, expect, it } from 'vitest';
import { removeImage, releasedBlobs } from './remove.js';
import { chainIds } from './chain-id.js';
import { image, snapshot } from './snapshot-fixture.test-support.js';

const short = (id: string) => id.slice(7, 19);

describe('rmi decides untag versus delete as Docker does', () => {
  it('by tag with other tags left: untags only', () => {
    const a = image('a');
    const s = snapshot([a], { 'docker.io/library/bb:1': a, 'docker.io/library/bb:2': a });
    expect(removeImage(s, 'bb:1', { force: false, noPrune: false })).toEqual([{ Untagged: 'bb:1' }]);
    expect(s.images.has(a.id)).toBe(true);
    expect([...s.tags.keys()]).toEqual(['docker.io/library/bb:2']);
  });

  it('by the last tag: untags, deletes the image and reports its layers by chain ID', () => {
    const a = image('a', { layers: ['base', 'top'] });
    const s = snapshot([a], { 'docker.io/library/bb:1': a });
    const chain = chainIds(a.layers.map((l) => l.diffID));
    expect(removeImage(s, 'bb:1', { force: false, noPrune: false })).toEqual([
      { Untagged: 'bb:1' },
      { Deleted: a.id },
      { Deleted: chain[1] },
      { Deleted: chain[0] },
    ]);
    expect(s.images.size).toBe(0);
  });

  it('by ID with tags in two repositories: refuses without -f, names the conflict', () => {
    const a = image('a');
    const s = snapshot([a], { 'docker.io/library/bb:1': a, 'docker.io/library/cc:1': a });
    expect(() => removeImage(s, short(a.id), { force: false, noPrune: false })).toThrow(
      `conflict: unable to delete ${short(a.id)} (must be forced) - image is referenced in multiple repositories`,
    );
    expect(s.tags.size).toBe(2);
  });

  it('by ID with -f: untags every repository and deletes', () => {
    const a = image('a');
    const s = snapshot([a], { 'docker.io/library/bb:1': a, 'docker.io/library/cc:1': a });
    const out = removeImage(s, short(a.id), { force: true, noPrune: false });
    expect(out.slice(0, 3)).toEqual([{ Untagged: 'bb:1' }, { Untagged: 'cc:1' }, { Deleted: a.id }]);
    expect(s.images.size).toBe(0);
    expect(s.tags.size).toBe(0);
  });

  it('by ID with one tag: untags and deletes without -f', () => {
    const a = image('a');
    const s = snapshot([a], { 'docker.io/library/bb:1': a });
    const out = removeImage(s, a.id, { force: false, noPrune: false });
    expect(out[0]).toEqual({ Untagged: 'bb:1' });
    expect(out[1]).toEqual({ Deleted: a.id });
  });

  it('keeps a layer another image still uses', () => {
    const a = image('a', { layers: ['shared', 'a'] });
    const b = image('b', { layers: ['shared', 'b'] });
    const s = snapshot([a, b], { 'docker.io/library/a:1': a, 'docker.io/library/b:1': b });
    const before = snapshot([a, b], { 'docker.io/library/a:1': a, 'docker.io/library/b:1': b });
    const out = removeImage(s, 'a:1', { force: false, noPrune: false });
    const deletedChains = out.filter((r) => 'Deleted' in r).slice(1);
    // only a's top chain goes; the shared base chain ID is b's first chain ID too
    expect(deletedChains).toEqual([{ Deleted: chainIds([a.layers[0]!.diffID, a.layers[1]!.diffID])[1] }]);
    const released = releasedBlobs(before, s);
    expect(released).toContain(a.layers[1]!.digest);
    expect(released).not.toContain(a.layers[0]!.digest);
  });

  it('refuses an image with dependent children even with -f', () => {
    const parent = image('parent');
    const child = image('child', { parent: parent.id });
    const s = snapshot([parent, child], { 'docker.io/library/child:1': child });
    expect(() => removeImage(s, parent.id, { force: true, noPrune: false })).toThrow(/\(cannot be forced\) - image has dependent child images/);
  });

  it('prunes untagged parents unless --no-prune', () => {
    const parent = image('parent');
    const child = image('child', { parent: parent.id });
    const s1 = snapshot([parent, child], { 'docker.io/library/child:1': child });
    removeImage(s1, 'child:1', { force: false, noPrune: false });
    expect(s1.images.size).toBe(0);
    const s2 = snapshot([parent, child], { 'docker.io/library/child:1': child });
    removeImage(s2, 'child:1', { force: false, noPrune: true });
    expect([...s2.images.keys()]).toEqual([parent.id]);
  });

  it('refuses to untag the last name of an image a container uses, unless forced', () => {
    const a = image('a');
    const s = snapshot([a], { 'docker.io/library/bb:1': a });
    const containers = [{ id: 'c'.repeat(64), imageId: a.id, running: false }];
    expect(() => removeImage(s, 'bb:1', { force: false, noPrune: false, containers })).toThrow(
      `conflict: unable to remove repository reference "bb:1" (must force) - container cccccccccccc is using its referenced image ${short(a.id)}`,
    );
  });

  it('says No such image with the default tag', () => {
    const s = snapshot([], {});
    expect(() => removeImage(s, 'nope', { force: false, noPrune: false })).toThrow('No such image: nope:latest');
  });

  it('removing the last tag of a repository also drops its digest references', () => {
    const a = image('a', { repoDigests: [`docker.io/library/bb@sha256:${'e'.repeat(64)}`] });
    const s = snapshot([a], { 'docker.io/library/bb:1': a, 'docker.io/library/cc:1': a });
    expect(removeImage(s, 'bb:1', { force: false, noPrune: false })).toEqual([{ Untagged: 'bb:1' }, { Untagged: `bb@sha256:${'e'.repeat(64)}` }]);
    expect(s.images.get(a.id)!.repoDigests).toEqual([]);
  });
});
