// Where the embedded store lives: --root, then $BERTH_ROOT, then $XDG_DATA_HOME/berth,
// then ~/.local/share/berth (the XDG default).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function storeRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.BERTH_ROOT) return resolve(env.BERTH_ROOT);
  const data = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(data, 'berth');
}
