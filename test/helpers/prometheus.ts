// Prometheus's HTTP API as the tests read it: an instant query's series.
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** The series of an instant query (`/api/v1/query`) to the Prometheus at `base`. */
export async function promQuery(base: string, promql: string): Promise<Sample[]> {
  const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  if (response.status !== 200)
    throw new Error(`${promql}: HTTP ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { data: { result: Sample[] } }).data.result;
}
