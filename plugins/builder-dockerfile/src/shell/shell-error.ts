// The error the shell lexer throws, worded as buildkit words it (`failed to process "…": …`).

export class ShellLexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShellLexError';
  }
}
