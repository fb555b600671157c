import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

/**
 * An MQTT broker inside the process (aedes) for `demo`, so nothing needs installing to see the bridge work.
 * Listens on loopback only: it has no authentication.
 */
export type EmbeddedBroker = { readonly port: number; close(): Promise<void> };

export async function startEmbeddedBroker(
  preferredPort: number,
  host = '127.0.0.1',
): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  const port = await listenOnFreePort(server, preferredPort, host);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}

/** The preferred port, or the next free one of the ten after it (a Mosquitto may already use 1883). */
async function listenOnFreePort(server: Server, preferred: number, host: string): Promise<number> {
  for (let port = preferred; port < preferred + 10; port++) {
    const ok = await new Promise<boolean>((resolve) => {
      const onError = (): void => resolve(false);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve(true);
      });
    });
    if (ok) return port;
  }
  throw new Error(`ports ${preferred}–${preferred + 9} are all in use`);
}
