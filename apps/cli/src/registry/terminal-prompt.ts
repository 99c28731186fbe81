// Asks a question on the terminal; a password is read without echo (raw mode), as docker login does.
export async function askLine(question: string, secret: boolean): Promise<string> {
  process.stderr.write(question);
  const stdin = process.stdin;
  if (!secret) {
    const { createInterface } = await import('node:readline');
    const rl = createInterface({ input: stdin, terminal: false });
    const line = await new Promise<string>((resolve) => rl.once('line', resolve));
    rl.close();
    return line.trim();
  }
  return new Promise<string>((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new Error('interrupted'));
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const finish = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    stdin.on('data', onData);
  });
}
