// The berthd command line: `berthd --root DIR --listen HOST:PORT [--log-level LEVEL]`.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBerthd } from './berthd.js';

const SHUTDOWN_GRACE_MS = 60_000;

const USAGE = 'usage: berthd --root DIR [--listen HOST:PORT] [--log-level info|debug|warn|error|silent] [--chunk-min-length BYTES]';

export async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        root: { type: 'string' },
        listen: { type: 'string', default: '127.0.0.1:5000' },
        'log-level': { type: 'string', default: 'info' },
        'chunk-min-length': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`berthd: ${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 125;
    return;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const root = values.root ?? process.env.BERTH_ROOT;
  if (!root) {
    process.stderr.write(`berthd: --root (or $BERTH_ROOT) is required\n${USAGE}\n`);
    process.exitCode = 125;
    return;
  }
  const running = await startBerthd({
    root: resolve(root),
    listen: values.listen,
    logLevel: values['log-level'],
    ...(values['chunk-min-length'] !== undefined ? { chunkMinLength: Number(values['chunk-min-length']) } : {}),
  });
  let closing = false;
  const stop = (signal: string): void => {
    if (closing) return;
    closing = true;
    running.app.log.info({ signal }, 'shutting down: finishing requests in flight');
    // A client that never finishes its request must not keep berthd alive forever.
    setTimeout(() => running.app.server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        running.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
