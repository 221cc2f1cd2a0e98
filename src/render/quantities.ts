// Kubernetes resource quantities as numbers: plain, in Docker's units (nano CPUs, bytes).

/** CPU quantity ("500m", "2") → nano CPUs for docker. */
export function cpuToNano(quantity: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!m) return undefined;
  const cores = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  return Math.round(cores * 1e9);
}

const UNITS: Record<string, number> = {
  m: 0.001,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Any quantity ("500m", "0.5", "512Mi", "1G") → its value, as the API server compares them. */
export function quantityValue(quantity: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNITS[m[2] ?? '']!;
}

/** Memory or storage quantity ("512Mi", "2Gi", "1G") → bytes. */
export function memoryToBytes(quantity: string): number | undefined {
  if (quantity.trim().endsWith('m')) return undefined;
  const value = quantityValue(quantity);
  return value === undefined ? undefined : Math.round(value);
}
