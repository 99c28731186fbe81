// The berthd command line: `berthd --root DIR --listen HOST:PORT [--config FILE] [--tls-cert …]`;
// flags win over the config file, which wins over the defaults.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBerthd } from './berthd.js';
import { loadConfigFile, type BerthdConfig } from './config-file.js';
import type { TlsConfig } from './tls.js';

const SHUTDOWN_GRACE_MS = 60_000;

const USAGE = 'usage: berthd --root DIR [--listen HOST:PORT] [--config FILE] [--tls-cert FILE --tls-key FILE [--tls-ca FILE]] [--log-level info|debug|warn|error|silent] [--chunk-min-length BYTES] [--engine-listen unix:///PATH|tcp://HOST:PORT|off] [--gc-interval SECONDS]\n       berthd gc --root DIR [--grace SECONDS] [--dry-run]';

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'gc') return (await import('./gc/gc-command.js')).gcCommand(argv.slice(1));
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        root: { type: 'string' },
        listen: { type: 'string' },
        config: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-ca': { type: 'string' },
        'log-level': { type: 'string' },
        'chunk-min-length': { type: 'string' },
        'engine-listen': { type: 'string' },
        'gc-interval': { type: 'string' },
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
  let config: BerthdConfig = {};
  if (values.config !== undefined) {
    try {
      config = await loadConfigFile(resolve(values.config));
    } catch (err) {
      process.stderr.write(`berthd: --config ${(err as Error).message}\n`);
      process.exitCode = 125;
      return;
    }
  }
  const root = values.root ?? config.root ?? process.env.BERTH_ROOT;
  if (!root) {
    process.stderr.write(`berthd: --root (or $BERTH_ROOT, or "root" in --config) is required\n${USAGE}\n`);
    process.exitCode = 125;
    return;
  }
  let tls: TlsConfig | undefined = config.tls;
  const tlsFlags = [values['tls-cert'], values['tls-key'], values['tls-ca']];
  if (tlsFlags.some((v) => v !== undefined)) {
    const cert = values['tls-cert'] ?? tls?.cert;
    const key = values['tls-key'] ?? tls?.key;
    if (cert === undefined || key === undefined) {
      process.stderr.write(`berthd: --tls-cert and --tls-key go together (--tls-ca needs both)\n${USAGE}\n`);
      process.exitCode = 125;
      return;
    }
    const ca = values['tls-ca'] ?? tls?.ca;
    tls = { cert: resolve(cert), key: resolve(key), ...(ca !== undefined ? { ca: resolve(ca) } : {}) };
  }
  let gcIntervalMs: number | undefined;
  if (values['gc-interval'] !== undefined) {
    try {
      gcIntervalMs = (await import('./gc/gc-command.js')).parseSeconds('--gc-interval', values['gc-interval']);
    } catch (err) {
      process.stderr.write(`berthd: ${(err as Error).message}\n`);
      process.exitCode = 125;
      return;
    }
  }
  const chunkMinLength = values['chunk-min-length'] !== undefined ? Number(values['chunk-min-length']) : config.chunkMinLength;
  const running = await startBerthd({
    root: resolve(root),
    listen: values.listen ?? config.listen ?? '127.0.0.1:5000',
    logLevel: values['log-level'] ?? config.logLevel ?? 'info',
    ...(chunkMinLength !== undefined ? { chunkMinLength } : {}),
    ...(config.auth ? { auth: config.auth } : {}),
    ...(tls ? { tls } : {}),
    ...(values['engine-listen'] !== undefined ? { engineListen: values['engine-listen'] } : {}),
    ...(gcIntervalMs ? { gcIntervalMs } : {}),
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
