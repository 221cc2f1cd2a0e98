import { describe, expect, it } from 'vitest';
import { registryAuth, registryHost } from './image-digests.js';

describe('registryHost', () => {
  it.each([
    ['127.0.0.1:15005/p/omrs-test/backend:1', '127.0.0.1:15005'],
    ['registry.local/openmrs/gateway:3.4.0', 'registry.local'],
    ['localhost/x:1', 'localhost'],
    ['openmrs/openmrs-reference-application-3-backend:3.4.0', 'docker.io'],
    ['mariadb:10.11.7', 'docker.io'],
    ['mariadb@sha256:' + 'a'.repeat(64), 'docker.io'],
  ])('%s → %s', (ref, host) => expect(registryHost(ref)).toBe(host));
});

describe('registryAuth', () => {
  it('is anonymous without OMRS_REGISTRY_USERNAME', () => {
    expect(registryAuth({ OMRS_REGISTRY_PASSWORD: 'x' }, 'r.local')).toEqual({});
  });
  it('carries the credentials for the registry', () => {
    expect(
      registryAuth({ OMRS_REGISTRY_USERNAME: 'u', OMRS_REGISTRY_PASSWORD: 'p' }, 'r.local:5000'),
    ).toEqual({
      username: 'u',
      password: 'p',
      serveraddress: 'r.local:5000',
    });
  });
});
