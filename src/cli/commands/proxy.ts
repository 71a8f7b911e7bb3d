import type { Command } from 'commander';
import type { Io } from '../../core/io.js';

interface ProxyOptions {
  listen: string;
  upstream: string;
  control: string;
  json?: boolean;
}

/** `mutiny proxy`: the in-flight injection proxy between kube-apiserver and etcd, serving until SIGTERM/SIGINT. */
export function registerProxy(program: Command, io: Io): void {
  program
    .command('proxy')
    .description('run the etcd gRPC injection proxy (kube-apiserver -> proxy -> etcd) with its control API, until SIGTERM')
    .requiredOption('--upstream <url>', 'etcd client URL to forward to, e.g. http://127.0.0.1:2379')
    .option('--listen <host:port>', 'gRPC address the apiserver connects to (port 0: pick a free one)', '127.0.0.1:0')
    .option('--control <host:port>', 'control API address, HTTP JSON (port 0: pick a free one)', '127.0.0.1:0')
    .option('--json', 'print the bound addresses as one JSON line')
    .action(async (opts: ProxyOptions) => {
      const { startProxyService } = await import('../../inject/proxy/service.js');
      const service = await startProxyService(opts);
      const bound = { listen: service.proxy.address, control: service.control.url, upstream: opts.upstream, pid: process.pid };
      io.out.write(
        opts.json
          ? `${JSON.stringify(bound)}\n`
          : `proxy listening on ${bound.listen}, forwarding to ${bound.upstream}; control API ${bound.control} (pid ${bound.pid})\n`,
      );
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      await service.close();
      io.err.write(`proxy stopped (${signal}); ${service.proxy.stats.calls} calls forwarded, ${service.proxy.injector.log().length} injections applied\n`);
    });
}
