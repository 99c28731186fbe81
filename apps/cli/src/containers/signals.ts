// docker run's --sig-proxy (on by default): signals berth receives go to the container's process.
const PROXIED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export function proxySignals(send: (signal: string) => void): () => void {
  const handlers = PROXIED.map((sig) => {
    const h = (): void => send(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}
