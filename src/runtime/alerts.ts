// The alerts an environment's Prometheus has firing (monitoring.enabled), read through its HTTP
// API, for `omrs status` and the dashboard. A Prometheus that does not answer is reported, never
// an error of the command: status must answer about a broken environment too.

export interface FiringAlert {
  name: string;
  severity: string;
  summary: string;
  /** When the alert started firing (ISO time). */
  since: string;
  labels: Record<string, string>;
}

export interface MonitoringStatus {
  /** Prometheus, as this machine reaches it. */
  url: string;
  firing: FiringAlert[];
  /** Alerts whose condition holds, but not yet for their rule's `for:`. */
  pending: string[];
  error?: string;
}

/** "critical, tenant default, service backend, since 2026-12-06T21:03:00Z": where and since when, for people. */
export function alertDetail(a: FiringAlert): string {
  const where = (['tenant', 'service'] as const)
    .filter((k) => a.labels[k])
    .map((k) => `${k} ${a.labels[k]}`)
    .join(', ');
  const since = a.since && `since ${new Date(a.since).toISOString().replace(/\.\d+Z$/, 'Z')}`;
  return [a.severity, where, since].filter(Boolean).join(', ');
}

interface ApiAlert {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  state?: string;
  activeAt?: string;
}

export async function readAlerts(url: string, timeoutMs = 3000): Promise<MonitoringStatus> {
  try {
    const response = await fetch(new URL('/api/v1/alerts', url), { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { data?: { alerts?: ApiAlert[] } };
    const alerts = body.data?.alerts ?? [];
    const name = (a: ApiAlert) => a.labels?.alertname ?? '?';
    return {
      url,
      firing: alerts
        .filter((a) => a.state === 'firing')
        .map((a) => {
          const { alertname: _, severity, ...labels } = a.labels ?? {};
          return {
            name: name(a),
            severity: severity ?? 'none',
            summary: a.annotations?.summary ?? '',
            since: a.activeAt ?? '',
            labels,
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
      pending: alerts
        .filter((a) => a.state === 'pending')
        .map(name)
        .sort(),
    };
  } catch (e) {
    return {
      url,
      firing: [],
      pending: [],
      error: `Prometheus at ${url} did not answer: ${(e as Error).message}`,
    };
  }
}
