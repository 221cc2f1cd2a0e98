import { describe, expect, it } from 'vitest';
import { dockerTarget } from './docker-host.js';

describe('dockerTarget', () => {
  it('defaults to the local socket', () => {
    expect(dockerTarget({}, '/home/u')).toEqual({
      options: { socketPath: '/var/run/docker.sock' },
      display: 'unix:///var/run/docker.sock',
    });
  });

  it('follows a unix:// DOCKER_HOST', () => {
    expect(dockerTarget({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, '/home/u')).toEqual({
      options: { socketPath: '/run/user/1000/docker.sock' },
      display: 'unix:///run/user/1000/docker.sock',
    });
  });

  it('never displays credentials embedded in a tcp:// DOCKER_HOST', () => {
    const target = dockerTarget({ DOCKER_HOST: 'tcp://admin:hunter2@127.0.0.1:2375' }, '/home/u');
    expect(target).toEqual({
      options: { host: '127.0.0.1', port: 2375, protocol: 'http' },
      display: 'tcp://127.0.0.1:2375',
    });
    expect(JSON.stringify(target)).not.toContain('hunter2');
  });

  it('uses TLS on 2376 when DOCKER_TLS_VERIFY is set', () => {
    expect(
      dockerTarget(
        { DOCKER_HOST: 'tcp://127.0.0.1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent' },
        '/home/u',
      ),
    ).toEqual({
      options: { host: '127.0.0.1', port: 2376, protocol: 'https' },
      display: 'https://127.0.0.1:2376',
    });
  });

  it('says so for schemes it does not support', () => {
    expect(dockerTarget({ DOCKER_HOST: 'ssh://me@host' }, '/home/u')).toEqual({
      unsupported: expect.stringContaining('ssh:'),
    });
  });
});
