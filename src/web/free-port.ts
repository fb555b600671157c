import { createServer } from 'node:net';

/** The preferred loopback port if it is free, else one the system picks. */
export async function freeTcpPort(preferred: number): Promise<number> {
  const tryPort = (port: number): Promise<number | undefined> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() =>
          resolve(typeof address === 'object' && address !== null ? address.port : undefined),
        );
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0)) ?? preferred;
}
