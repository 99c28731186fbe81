// The bundle entry: every command by its ID (oclif's "explicit" discovery) and oclif's runner.
// Bundling berth and oclif into one module is what makes start-up fast (see scripts/bundle.mjs).
import Images from './commands/images.js';
import Tag from './commands/tag.js';
import History from './commands/history.js';
import Rmi from './commands/rmi.js';
import Save from './commands/save.js';
import Load from './commands/load.js';
import Import from './commands/import.js';
import ImageInspect from './commands/image/inspect.js';
import ImagePrune from './commands/image/prune.js';
import SystemDf from './commands/system/df.js';
import Pull from './commands/pull.js';
import Push from './commands/push.js';
import Login from './commands/login.js';
import Logout from './commands/logout.js';
import Build from './commands/build.js';
import Search from './commands/search.js';
import Run from './commands/run.js';
import Ps from './commands/ps.js';
import Logs from './commands/logs.js';
import Stop from './commands/stop.js';
import Exec from './commands/exec.js';
import Start from './commands/start.js';
import Rm from './commands/rm.js';
import Commit from './commands/commit.js';
import ContainerMonitor from './commands/container/monitor.js';
import Kill from './commands/kill.js';
import Wait from './commands/wait.js';
import ContainerInspect from './commands/container/inspect.js';
import ContainerPrune from './commands/container/prune.js';
import Rename from './commands/rename.js';
import Inspect from './commands/inspect.js';
import Export from './commands/export.js';
import Top from './commands/top.js';
import Cp from './commands/cp.js';
import Stats from './commands/stats.js';
import Diff from './commands/diff.js';
import Pause from './commands/pause.js';
import Unpause from './commands/unpause.js';
import Create from './commands/create.js';
import Restart from './commands/restart.js';
import Attach from './commands/attach.js';
import SystemPrune from './commands/system/prune.js';

export const COMMANDS = {
  images: Images,
  tag: Tag,
  history: History,
  rmi: Rmi,
  save: Save,
  load: Load,
  import: Import,
  'image:inspect': ImageInspect,
  'image:prune': ImagePrune,
  'system:df': SystemDf,
  'system:prune': SystemPrune,
  pull: Pull,
  push: Push,
  login: Login,
  logout: Logout,
  build: Build,
  search: Search,
  run: Run,
  ps: Ps,
  logs: Logs,
  stop: Stop,
  exec: Exec,
  start: Start,
  rm: Rm,
  commit: Commit,
  'container-monitor': ContainerMonitor,
  kill: Kill,
  wait: Wait,
  'container:inspect': ContainerInspect,
  'container:prune': ContainerPrune,
  rename: Rename,
  inspect: Inspect,
  export: Export,
  top: Top,
  cp: Cp,
  stats: Stats,
  diff: Diff,
  pause: Pause,
  unpause: Unpause,
  create: Create,
  restart: Restart,
  attach: Attach,
};

export { execute } from '@oclif/core';
export { normalizeArgv } from './argv.js';
