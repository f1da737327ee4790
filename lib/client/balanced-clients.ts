import { Client, connectivityState, credentials, type ChannelOptions } from '@grpc/grpc-js';

/** One grpc-js client per address, handed out round-robin, skipping addresses that are down. */
export interface BalancedClients {
  /** The next client in turn whose channel is not in TRANSIENT_FAILURE (if any is not). */
  next(): Client;
  readonly all: readonly Client[];
  close(): void;
}

export function createBalancedClients(
  targets: readonly string[],
  options: ChannelOptions,
): BalancedClients {
  const clients = targets.map(
    (target) => new Client(target, credentials.createInsecure(), options),
  );
  let turn = 0;
  const isDown = (client: Client) =>
    client.getChannel().getConnectivityState(false) === connectivityState.TRANSIENT_FAILURE;
  return {
    next() {
      for (let tried = 0; tried < clients.length; tried++) {
        const client = clients[turn++ % clients.length];
        if (client && !isDown(client)) return client;
      }
      return clients[turn++ % clients.length] as Client;
    },
    all: clients,
    close() {
      for (const client of clients) client.close();
    },
  };
}
