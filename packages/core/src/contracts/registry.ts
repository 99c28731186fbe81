// The registry-adapter contract: what berth needs from a remote host to pull, push and log in.
// An adapter claims hosts; pull and push are then the copy engine between it and the store.
import type { Reference } from '../reference.js';
import type { EventSink } from '../events.js';
import type { ImageDestination, ImageSource } from './location.js';

/** What a user gave `berth login`, or a credential helper returned. Never printed. */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (Docker's `identitytoken`), used instead of a password. */
  identityToken?: string;
}

export interface RegistryOpenOptions {
  /** Credentials for a registry host, looked up lazily (a helper runs only when asked). */
  credentials?: (host: string) => Promise<RegistryCredentials | undefined>;
  /** Hosts where plain HTTP is allowed besides loopback ones (Docker's insecure-registries). */
  insecureHosts?: readonly string[];
  events?: EventSink;
  signal?: AbortSignal;
}

export interface RegistryDestinationOptions extends RegistryOpenOptions {
  /** Repositories on the same host that already hold a blob: candidates for a cross-repo mount. */
  mountFrom?: (digest: string) => readonly string[];
}

export interface RegistryAdapter {
  /** Whether this adapter serves `host` (the normalised reference domain, `docker.io` included). */
  claims(host: string): boolean;
  /** A source offering the one manifest or index `ref` names (a tag, or a digest). */
  source(ref: Reference, options?: RegistryOpenOptions): Promise<ImageSource>;
  /** A destination that uploads blobs and puts manifests under `ref`'s tag. */
  destination(ref: Reference, options?: RegistryDestinationOptions): Promise<ImageDestination>;
  /** The tags of `ref`'s repository (`pull --all-tags`). */
  tags(ref: Reference, options?: RegistryOpenOptions): Promise<string[]>;
  /** Checks credentials against the registry; throws ERR_UNAUTHORIZED when they are refused. */
  login(host: string, credentials: RegistryCredentials, options?: Omit<RegistryOpenOptions, 'credentials'>): Promise<void>;
}
