import { isIPv4, isIPv6 } from 'node:net';

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

/**
 * The one grpc-js channel target for the parsed entries: a single entry as given (grpc-js
 * resolves a plain `host:port` by DNS), several IP addresses as one `ipv4:a,b` or
 * `ipv6:a,b` target whose every address the round_robin balancer uses.
 */
export function channelTarget(entries: readonly string[]): string {
  const [only] = entries;
  if (only !== undefined && entries.length === 1) return only;
  const hosts = entries.map(hostOf);
  if (hosts.every((host) => isIPv4(host))) return `ipv4:${entries.join(',')}`;
  if (hosts.every((host) => isIPv6(host))) return `ipv6:${entries.join(',')}`;
  throw new Error(
    `a list of several addresses takes IP addresses of one family (got ${entries.join(',')}); ` +
      'for a DNS name that resolves to every replica use one dns:///name:port target',
  );
}

/** "10.0.0.1" of "10.0.0.1:50051", "::1" of "[::1]:50051". */
function hostOf(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1] ?? '';
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}
