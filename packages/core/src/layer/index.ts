// Layer tars: compression sniffing, streaming inspection (diffID, sizes) and path-safety checks.
export { openUncompressed, sniffCompression, peekBytes, type UncompressedStream, type UncompressedArchive, type OpenUncompressedOptions, type SniffedCompression } from './compression.js';
export { inspectLayer, tarFormatError, LayerEntryChecker, type EntryHeader, type LayerStats, type InspectLayerOptions } from './inspect.js';
export { digestAndInspect, type DigestedLayer } from './digest-and-inspect.js';
export { entryPath, hardlinkTarget, symlinkTarget, cleanRelative, cleanInRoot, parentOf, SymlinkGuard } from './tar-path.js';
