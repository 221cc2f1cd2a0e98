// Runs a planned probe the way the kubelet does from the node: HTTP and TCP from the host
// against the container's IP on the env network, exec through `docker exec`.
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import type { Docker } from '../../platform/docker.js';
import { execInContainer } from './exec.js';
import type { ProbeAction } from './plan.js';

export interface ProbeResult {
  ok: boolean;
  /** One line: what was tried and what came back, e.g. "GET http://172.18.0.3:8080/x → 503". */
  message: string;
}

export async function runProbe(
  docker: Docker,
  target: { id: string; ip?: string },
  action: ProbeAction,
  timeoutMs: number,
): Promise<ProbeResult> {
  if (action.type === 'exec') return execProbe(docker, target.id, action.command, timeoutMs);
  if (!target.ip)
    return { ok: false, message: 'the container has no IP address on the env network (not running?)' };
  if (action.type === 'tcp') return tcpProbe(target.ip, action.port, timeoutMs);
  return httpProbe(target.ip, action, timeoutMs);
}

function httpProbe(
  ip: string,
  action: Extract<ProbeAction, { type: 'http' }>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const url = `${action.scheme}://${ip}:${action.port}${action.path}`;
  return new Promise((resolve) => {
    const send = action.scheme === 'https' ? httpsRequest : request;
    const req = send(
      url,
      {
        method: 'GET',
        headers: { 'User-Agent': 'omrs-probe', ...action.headers },
        timeout: timeoutMs,
        rejectUnauthorized: false,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 400, message: `GET ${url} → ${status}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ok: false, message: `GET ${url} → ${error.message}` }));
    req.end();
  });
}

function tcpProbe(ip: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port, timeout: timeoutMs });
    const done = (ok: boolean, why: string): void => {
      socket.destroy();
      resolve({ ok, message: `TCP ${ip}:${port} → ${why}` });
    };
    socket.once('connect', () => done(true, 'connected'));
    socket.once('timeout', () => done(false, `no answer within ${timeoutMs} ms`));
    socket.once('error', (error) => done(false, error.message));
  });
}

async function execProbe(
  docker: Docker,
  id: string,
  command: string[],
  timeoutMs: number,
): Promise<ProbeResult> {
  const shown = command.join(' ');
  try {
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (c: Buffer) => chunks.push(c));
    const end = await execInContainer(docker, id, command, { out: output, err: output, timeoutMs });
    if (end.timedOut) return { ok: false, message: `exec ${shown} → no exit within ${timeoutMs} ms` };
    const text = Buffer.concat(chunks).toString('utf8').trim().split('\n').slice(-1)[0] ?? '';
    return {
      ok: end.exitCode === 0,
      message: `exec ${shown} → exit ${end.exitCode ?? '?'}${text ? `: ${text.slice(0, 200)}` : ''}`,
    };
  } catch (error) {
    return {
      ok: false,
      message: `exec ${shown} → ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
