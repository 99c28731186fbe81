// Docker-compatible output formatting: Go templates (`--format`), tables, JSON and human units.

export {
  JSON_FORMAT,
  JSON_FORMAT_KEY,
  QUIET_FORMAT,
  TABLE_FORMAT_KEY,
  preFormat,
  renderInspectJSON,
  renderList,
  renderOne,
  type ListFormat,
  type RenderOneOptions,
} from './docker-format.js';
export { GoTemplate, parseDockerTemplate, type ExecuteOptions, type ExecuteResult } from './go-template.js';
export {
  builtinFuncs,
  dockerFuncs,
  dockerHeaderFuncs,
  type FuncMap,
  type ParamType,
  type TemplateFunc,
} from './template-funcs.js';
export { GoFloat, goStruct, jsonToGoMaps } from './go-value.js';
export { sprint, sprintf, sprintln } from './go-printf.js';
export { marshalGoJSON, type GoJSONOptions } from './go-json.js';
export { formatGoTime, formatGoTimeRFC3339 } from './go-time.js';
export { displayWidth, TabFlags, TabWriter } from './tabwriter.js';
export { quote as goQuote } from './go-quote.js';
export {
  bytesSize,
  createdSince,
  customSize,
  fromHumanSize,
  humanDuration,
  humanSize,
  humanSizeWithPrecision,
  ramInBytes,
  truncateId,
} from './units.js';
