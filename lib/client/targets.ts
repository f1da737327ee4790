/**
 * Normalises a target option: a comma-separated `host:port` list (or an array of them)
 * becomes one address per entry; a name-resolver target such as
 * `dns:///detector.ns.svc.cluster.local:50051` must stand alone.
 */
export function parseTargets(target: string | readonly string[]): string[] {
  const entries = (typeof target === 'string' ? target.split(',') : target)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('no gRPC target given');
  const resolverTargets = entries.filter(isResolverTarget);
  if (resolverTargets.length > 0 && entries.length > 1) {
    throw new Error(
      `a resolver target (${resolverTargets[0] ?? ''}) cannot be combined with others`,
    );
  }
  return entries;
}

/** True for `scheme:…` targets (dns:, ipv4:, ipv6:, unix:) as opposed to plain host:port. */
export function isResolverTarget(target: string): boolean {
  return /^(dns|ipv4|ipv6|unix|unix-abstract):/.test(target);
}
