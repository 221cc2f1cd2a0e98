// Where DOCKER_HOST points, read from the injected environment (not process.env), as dockerode
// connection options plus a display form that never shows credentials embedded in the URL.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type DockerTarget = { options: Record<string, unknown>; display: string } | { unsupported: string };

/** Where DOCKER_HOST points, as dockerode options. Credentials in a URL are never displayed. */
export function dockerTarget(env: Record<string, string | undefined>, home: string): DockerTarget {
  const host = env.DOCKER_HOST?.trim();
  if (!host)
    return { options: { socketPath: '/var/run/docker.sock' }, display: 'unix:///var/run/docker.sock' };
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    return { options: { socketPath }, display: `unix://${socketPath}` };
  }
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    return { unsupported: 'DOCKER_HOST is not a valid URL (expected unix:///path or tcp://host:port)' };
  }
  if (!['tcp:', 'http:', 'https:'].includes(url.protocol))
    return {
      unsupported: `DOCKER_HOST scheme ${url.protocol}// is not supported (use unix:///path or tcp://host:port)`,
    };
  const tls =
    url.protocol === 'https:' ||
    (env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0');
  const port = Number(url.port || (tls ? 2376 : 2375));
  const options: Record<string, unknown> = { host: url.hostname, port, protocol: tls ? 'https' : 'http' };
  if (tls) {
    const certDir = env.DOCKER_CERT_PATH ?? join(home, '.docker');
    for (const name of ['ca', 'cert', 'key']) {
      const file = join(certDir, `${name}.pem`);
      if (existsSync(file)) options[name] = readFileSync(file);
    }
  }
  return { options, display: `${tls ? 'https' : 'tcp'}://${url.hostname}:${port}` };
}
