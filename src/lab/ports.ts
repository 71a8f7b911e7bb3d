import net from 'node:net';

/**
 * Reserves `count` distinct free TCP ports on 127.0.0.1 by binding them all at once and releasing them together,
 * so two components never get the same port. Another process could still take one before the lab binds it; the
 * component then fails its health check and `lab up` reports the port.
 */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
