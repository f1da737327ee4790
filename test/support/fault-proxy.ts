/**
 * A TCP proxy that puts faults on the wire between a client and one server, for tests that
 * cannot use `tc netem` (the sandboxes this project runs in have no sch_netem): added delay
 * each way, stalls on a share of the chunks (what a lost segment costs TCP: a retransmission
 * timeout), and a blackhole that stops forwarding without closing anything (a half-open
 * connection, a peer that died without a FIN). Order is kept in each direction. Written by
 * hand: npm's fault proxies work at the HTTP level, and gRPC needs the bytes of HTTP/2.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface WireFaults {
  /** Added to every chunk, each way (ms). */
  delayMs?: number;
  /** Share of chunks held back a further `stallMs` (0..1). */
  stallShare?: number;
  stallMs?: number;
  /** Forward nothing more, close nothing. */
  blackhole?: boolean;
}

export interface FaultProxy {
  /** `127.0.0.1:<port>` to give the client instead of the server's address. */
  address: string;
  setFaults(faults: WireFaults): void;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(
  target: { host: string; port: number },
  random: () => number,
): Promise<FaultProxy> {
  let faults: WireFaults = {};
  let accepted = 0;
  const sockets = new Set<Socket>();
  /**
   * Forwards `from` to `to` with the current faults, in order: one queue per direction,
   * drained by one timer (two timers due in the same millisecond may fire in either order).
   */
  const pump = (from: Socket, to: Socket) => {
    const queue: { at: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const drain = () => {
      timer = undefined;
      while (queue.length > 0 && (queue[0]?.at ?? 0) <= Date.now()) {
        const { chunk } = queue.shift() as { chunk: Buffer };
        if (!to.destroyed && !faults.blackhole) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(drain, (queue[0]?.at ?? 0) - Date.now());
      else if (ended && !faults.blackhole) to.destroy();
    };
    from.on('data', (chunk: Buffer) => {
      if (faults.blackhole) return;
      const stall = random() < (faults.stallShare ?? 0) ? (faults.stallMs ?? 0) : 0;
      const last = queue.at(-1)?.at ?? 0;
      queue.push({ at: Math.max(last, Date.now() + (faults.delayMs ?? 0) + stall), chunk });
      timer ??= setTimeout(drain, Math.max(0, (queue[0]?.at ?? 0) - Date.now()));
    });
    from.on('close', () => {
      ended = true;
      timer ??= setTimeout(drain, 0);
    });
    from.on('error', () => undefined);
  };
  const server = createServer((client) => {
    accepted += 1;
    const upstream = connect(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    pump(client, upstream);
    pump(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    setFaults(next) {
      faults = next;
    },
    connections: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
