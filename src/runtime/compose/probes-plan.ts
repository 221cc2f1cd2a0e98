// Kubernetes probe → the probe omrs runs itself (from the host against the container's IP, or
// through docker exec). Docker HEALTHCHECK cannot be used: the images carry no curl.
import { OmrsError } from '../../errors.js';
import type { Container, Probe } from '../../render/kube-spec.js';
import type { ProbePlan } from './plan.js';

export function probePlan(p: Probe, c: Container, id: string): ProbePlan {
  const port = (value: number | string): number => {
    if (typeof value === 'number') return value;
    if (/^\d+$/.test(value)) return Number(value);
    const found = (c.ports ?? []).find((x) => x.name === value);
    if (!found)
      throw new OmrsError({
        code: 'COMPOSE_BAD_OBJECT',
        message: `${id}: a probe names port "${value}", which the container does not declare.`,
      });
    return found.containerPort;
  };
  const timing = {
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds ?? 10,
    timeoutSeconds: p.timeoutSeconds ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
  };
  if (p.httpGet) {
    const headers = Object.fromEntries((p.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
    const scheme = p.httpGet.scheme?.toLowerCase() === 'https' ? 'https' : 'http';
    return {
      action: { type: 'http', path: p.httpGet.path ?? '/', port: port(p.httpGet.port), scheme, headers },
      ...timing,
    };
  }
  if (p.tcpSocket) return { action: { type: 'tcp', port: port(p.tcpSocket.port) }, ...timing };
  if (p.exec) return { action: { type: 'exec', command: p.exec.command }, ...timing };
  throw new OmrsError({
    code: 'COMPOSE_UNSUPPORTED',
    message: `The compose runtime cannot run the ${p.grpc ? 'gRPC ' : ''}probe of ${id}.`,
    hint: 'Use an httpGet, tcpSocket or exec probe.',
  });
}
