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
  /**
   * A directory where the adapter may remember upload sessions, so a push that was cut off asks
   * the registry what it holds and sends only the rest (the store's `berth/uploads/`).
   */
  uploadSessions?: string;
}

/** One repository a registry search found: Docker Hub's v1 search fields. */
export interface RegistrySearchResult {
  name: string;
  description: string;
  starCount: number;
  isOfficial: boolean;
  isAutomated: boolean;
}

export interface RegistrySearchOptions extends RegistryOpenOptions {
  /** At most this many results (1 to 100; Docker's default is 25). */
  limit: number;
}

export interface RegistrySearchResults {
  /** In the registry's order: Docker shows them as the registry ranked them. */
  results: RegistrySearchResult[];
  /**
   * `search`: the registry's search API answered; `catalog`: it has none, so its repository list
   * was filtered by name (no descriptions, stars or flags).
   */
  via: 'search' | 'catalog';
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
  /**
   * Checks credentials against the registry; throws ERR_UNAUTHORIZED when they are refused.
   * Resolves with what to store when that is not the password itself (an identity token the
   * registry's token server handed out), else with nothing.
   */
  login(host: string, credentials: RegistryCredentials, options?: Omit<RegistryOpenOptions, 'credentials'>): Promise<RegistryCredentials | void>;
  /**
   * Optional (`berth search`): repositories of `host` matching `term` (the term without the host).
   * An adapter without it refuses searches on its hosts with ERR_UNSUPPORTED.
   */
  search?(host: string, term: string, options: RegistrySearchOptions): Promise<RegistrySearchResults>;
}
