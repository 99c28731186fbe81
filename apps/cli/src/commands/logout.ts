import { Args } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Logout extends BerthCommand {
  static override summary = 'Log out from a registry';
  static override examples = ['<%= config.bin %> logout 127.0.0.1:5000'];
  static override args = { server: Args.string({ description: 'SERVER (default: Docker Hub)' }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Logout);
    const { serverHost } = await import('../registry/registry-options.js');
    const { DockerConfig, authKey } = await import('@berth/registry-distribution');
    const host = serverHost(args.server);
    const removed = await new DockerConfig().erase(host);
    this.out(removed ? `Removing login credentials for ${authKey(host)}` : `Not logged in to ${authKey(host)}`);
  }
}
