import { ProxyControlServer } from './control-server.js';
import { EtcdProxy } from './etcd-proxy.js';

/** Addresses for a proxy service: gRPC listen, etcd upstream URL, control API listen (all HOST:PORT but upstream). */
export interface ProxyServiceOptions {
  listen: string;
  upstream: string;
  control: string;
}

/** A running proxy with its control API, as `mutiny proxy` runs it. */
export interface ProxyService {
  proxy: EtcdProxy;
  control: ProxyControlServer;
  /** Stops the control API and the proxy (open calls get `graceMs` to finish). */
  close(graceMs?: number): Promise<void>;
}

/** Starts the gRPC proxy and its control API; on a control bind failure the proxy is closed again. */
export async function startProxyService(options: ProxyServiceOptions): Promise<ProxyService> {
  const proxy = await EtcdProxy.start({ listen: options.listen, upstream: options.upstream });
  let control: ProxyControlServer;
  try {
    control = await ProxyControlServer.start(proxy, options.control, options.upstream);
  } catch (error) {
    await proxy.close(0);
    throw error;
  }
  return {
    proxy,
    control,
    async close(graceMs = 1000) {
      await control.close();
      await proxy.close(graceMs);
    },
  };
}
