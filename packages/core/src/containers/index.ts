export * from './names.js';
export * from './lookup.js';
export * from './status.js';
export * from './create.js';
export * from './time.js';
export * from './json-log.js';
export * from './commit.js';
export * from './service.js';
