// Docker's y/N prompt: anything but y/yes (or no terminal input at all) means no.
import { createInterface } from 'node:readline/promises';

export async function confirm(warning: string): Promise<boolean> {
  process.stdout.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    const line = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^(y|yes)$/i.test(line.trim());
  } finally {
    rl.close();
  }
}
