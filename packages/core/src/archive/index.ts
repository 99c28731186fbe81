// docker-archive (`docker save`, old and Docker 25+ layouts) and OCI archives as locations.
export { openArchiveSource, ArchiveSource, type ArchiveSourceOptions } from './archive-source.js';
export type { ArchiveImage } from './archive-image.js';
export { createDockerArchiveDestination, DockerArchiveDestination, type DockerArchiveOptions } from './docker-archive-destination.js';
export { parseManifestJson } from './docker-images.js';
export { ociNames } from './oci-images.js';
