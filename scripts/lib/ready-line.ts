/** The `{"msg":"serving","grpcPort":N,"metricsPort":M}` line a model service logs once it is up. */
export interface ServingPorts {
  grpcPort: number;
  metricsPort: number;
}

export function parseServingLine(line: string): ServingPorts | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    if (
      record.msg === 'serving' &&
      typeof record.grpcPort === 'number' &&
      typeof record.metricsPort === 'number'
    ) {
      return { grpcPort: record.grpcPort, metricsPort: record.metricsPort };
    }
  } catch {
    // not a JSON log line
  }
  return undefined;
}
