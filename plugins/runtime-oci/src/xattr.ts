// Extended attributes without following symlinks (l*xattr), through @napi-rs/xattr: Node has no
// xattr API, and layers carry them (security.capability) as overlayfs keeps its marks in them.
import { createRequire } from 'node:module';

interface XattrBinding {
  getAttributeSync(path: string, name: string): Buffer | null;
  listAttributesSync(path: string): string[];
  setAttributeSync(path: string, name: string, value: Uint8Array | string): void;
}

let binding: XattrBinding | undefined;
function xattr(): XattrBinding {
  // Loaded on first use: the native module costs a few ms nobody else should pay.
  binding ??= createRequire(import.meta.url)('@napi-rs/xattr') as XattrBinding;
  return binding;
}

/** overlayfs's own marks (opaque, origin, impure, redirect): never copied into or out of a layer. */
export const OVERLAY_PREFIX = 'trusted.overlay.';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

export function listXattrs(path: string): string[] {
  return xattr().listAttributesSync(path);
}

export function getXattr(path: string, name: string): Buffer | undefined {
  return xattr().getAttributeSync(path, name) ?? undefined;
}

/** The attributes a layer should carry: everything but overlayfs's marks and ACLs (system.*). */
export function layerXattrs(path: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of listXattrs(path).sort()) {
    if (name.startsWith(OVERLAY_PREFIX) || name.startsWith('system.')) continue;
    const value = getXattr(path, name);
    if (value !== undefined) out.set(name, value);
  }
  return out;
}

/**
 * Sets one attribute; returns false where the filesystem refuses the namespace (ENOTSUP, EPERM),
 * which moby's unpacker also tolerates: a layer's xattr must not fail a whole rootfs.
 */
export function setXattr(path: string, name: string, value: Uint8Array | string): boolean {
  try {
    xattr().setAttributeSync(path, name, value);
    return true;
  } catch (err) {
    if (/os error (95|1)\)/.test((err as Error).message)) return false;
    throw err;
  }
}
