import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Login extends BerthCommand {
  static override summary = 'Log in to a registry';
  static override description = 'Checks the credentials against the registry, then stores them in Docker\'s client config ($DOCKER_CONFIG/config.json), through its credential helper when one is set.';
  static override examples = ['<%= config.bin %> login -u me 127.0.0.1:5000', 'echo "$TOKEN" | <%= config.bin %> login -u me --password-stdin ghcr.io'];
  static override args = { server: Args.string({ description: 'SERVER (default: Docker Hub)' }) };
  static override flags = {
    username: Flags.string({ char: 'u', description: 'Username' }),
    password: Flags.string({ char: 'p', description: 'Password' }),
    'password-stdin': Flags.boolean({ description: 'Take the password from stdin' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Login);
    const { BerthError } = await import('@berth/core');
    const { serverHost, insecureHosts } = await import('../registry/registry-options.js');
    const { DockerConfig } = await import('@berth/registry-distribution');
    const host = serverHost(args.server);
    if (flags.password !== undefined && flags['password-stdin']) throw new BerthError('ERR_INVALID_ARGUMENT', '--password and --password-stdin are mutually exclusive');
    let password = flags.password;
    if (password !== undefined) this.errLine('WARNING! Using --password via the CLI is insecure. Use --password-stdin.');
    if (flags['password-stdin']) {
      if (!flags.username) throw new BerthError('ERR_INVALID_ARGUMENT', 'Must provide --username with --password-stdin');
      let text = '';
      for await (const c of process.stdin) text += String(c);
      password = text.replace(/\r?\n$/, '');
    }
    let username = flags.username;
    if (username === undefined || password === undefined) {
      if (!process.stdin.isTTY) throw new BerthError('ERR_INVALID_ARGUMENT', 'Cannot perform an interactive login from a non TTY device');
      const { askLine } = await import('../registry/terminal-prompt.js');
      username ??= await askLine('Username: ', false);
      password ??= await askLine('Password: ', true);
    }
    if (!username) throw new BerthError('ERR_INVALID_ARGUMENT', 'Username is required');
    if (!password) throw new BerthError('ERR_INVALID_ARGUMENT', 'Password is required');
    const adapter = await this.registryAdapter(undefined, host);
    // An identity token, when the registry gave one, is stored instead of the password (as docker does).
    const toStore = (await adapter.login(host, { username, password }, { insecureHosts: insecureHosts() })) ?? { username, password };
    const config = new DockerConfig();
    await config.store(host, toStore);
    this.out('Login Succeeded');
  }
}
