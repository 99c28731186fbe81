import { describe, expect, it } from 'vitest';
import { isLoopbackHost, registryEndpoint } from './registry-endpoint.js';

describe('registryEndpoint', () => {
  it('maps docker.io to registry-1.docker.io over HTTPS', () => {
    expect(registryEndpoint('docker.io').base).toBe('https://registry-1.docker.io');
  });
  it('uses HTTP only for loopback and listed insecure hosts', () => {
    expect(registryEndpoint('127.0.0.1:5000').base).toBe('http://127.0.0.1:5000');
    expect(registryEndpoint('localhost:5000').base).toBe('http://localhost:5000');
    expect(registryEndpoint('[::1]:5000').base).toBe('http://[::1]:5000');
    expect(registryEndpoint('registry.example:5000').base).toBe('https://registry.example:5000');
    expect(registryEndpoint('registry.example:5000', ['registry.example:5000']).base).toBe('http://registry.example:5000');
    expect(isLoopbackHost('127.3.4.5')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });
});
