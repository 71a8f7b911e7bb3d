import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { formatDuration } from '../../core/progress.js';
import { renderTable } from '../../core/table.js';
import { outputFormat, withFormat } from '../options.js';

// Every lab module is imported inside its action: the CLI must start fast and most commands never touch the lab.

interface DirOption {
  dir?: string;
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidDataError(`${flag} ${value}: must be a positive integer`);
    return n;
  };
}

/** Runs `work` with an AbortSignal that Ctrl-C (SIGINT) or SIGTERM aborts, so the library can clean up. */
async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}

/** Formats of the lab's listing commands: a table for people, JSON for scripts. */
const LAB_FORMATS = ['table', 'json'] as const;

/** `mutiny lab build|up|status|logs|down|reset|run`: a real Kubernetes control plane on loopback, with kwok nodes. */
export function registerLab(program: Command, io: Io): void {
  const lab = program
    .command('lab')
    .description('a real Kubernetes control plane on this machine (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes)');

  lab
    .command('build')
    .description('build kube-apiserver, kube-controller-manager, kube-scheduler and kwok into the per-version cache (reused when present)')
    .option('--bin-dir <dir>', 'use prebuilt binaries from DIR instead (an envtest KUBEBUILDER_ASSETS layout works)')
    .option('--force', 'rebuild even when cached')
    .action(async (opts: { binDir?: string; force?: boolean }) => {
      const { binaryCacheDir, buildBinaries, missingBinaries, resolveBinaries } = await import('../../lab/binaries.js');
      if (opts.binDir || (process.env.KUBEBUILDER_ASSETS && !opts.force)) {
        if (missingBinaries(opts.binDir).length > 0 && !opts.binDir) {
          io.err.write(`KUBEBUILDER_ASSETS lacks ${missingBinaries(opts.binDir).join(', ')}; building those into ${binaryCacheDir()}\n`);
        } else {
          const found = resolveBinaries(opts.binDir);
          for (const [name, file] of Object.entries(found)) io.out.write(`${name.padEnd(24)} ${file}\n`);
          return;
        }
      }
      const started = Date.now();
      const built = await interruptible((signal) => buildBinaries(io, { force: opts.force, signal }));
      for (const b of built) io.out.write(`${b.name.padEnd(24)} ${b.path}${b.built ? `  (built in ${formatDuration(b.seconds)})` : '  (cached)'}\n`);
      io.out.write(`lab binaries ready in ${binaryCacheDir()} (${formatDuration((Date.now() - started) / 1000)})\n`);
    });

  lab
    .command('up')
    .description('start a lab: PKI, kubeconfig, etcd -> kube-apiserver -> controller-manager + scheduler -> kwok, CoreDNS stand-in, golden state')
    .option('--nodes <n>', 'number of kwok (simulated) nodes', positiveInt('--nodes'), 3)
    .option('--dir <dir>', 'lab directory (default: $MUTINY_HOME/lab)')
    .option('--proxy', 'put the injection proxy (`mutiny proxy`) between kube-apiserver and etcd')
    .option('--etcd-servers <url>', "point kube-apiserver's --etcd-servers at URL (a proxy you run yourself)")
    .option('--namespace <name>', 'experiment namespace (emptied by `lab reset`)', 'mutiny')
    .option('--bin-dir <dir>', 'directory with prebuilt binaries (else $KUBEBUILDER_ASSETS, then the build cache)')
    .action(async (opts: DirOption & { nodes: number; proxy?: boolean; etcdServers?: string; namespace: string; binDir?: string }) => {
      if (opts.proxy && opts.etcdServers) throw new InvalidDataError('--proxy and --etcd-servers: choose one');
      const { upLab } = await import('../../lab/up.js');
      const state = await interruptible((signal) =>
        upLab({ dir: opts.dir, nodes: opts.nodes, proxy: opts.proxy, etcdServers: opts.etcdServers, experimentNamespace: opts.namespace, binDir: opts.binDir, io, signal }),
      );
      io.out.write(
        [
          `lab ${state.labId} up in ${formatDuration(state.startupSeconds ?? 0)} (Kubernetes ${state.kubernetesVersion}, ${state.nodes.length} kwok nodes: simulated, no containers run)`,
          `kubeconfig:   ${state.kubeconfig}`,
          `apiserver:    ${state.apiserverUrl}`,
          `etcd:         ${state.etcdClientUrl}${state.apiserverEtcdUrl !== state.etcdClientUrl ? ` (apiserver uses ${state.apiserverEtcdUrl})` : ''}`,
          ...(state.proxyControlUrl ? [`proxy control: ${state.proxyControlUrl}`] : []),
          `export KUBECONFIG=${state.kubeconfig}`,
          '',
        ].join('\n'),
      );
    });

  withFormat(
    lab
      .command('status')
      .description('show the lab: components, pids, ports, health, endpoints')
      .option('--dir <dir>', 'lab directory (default: $MUTINY_HOME/lab)'),
    LAB_FORMATS,
  ).action(async (opts: DirOption & { format?: string; json?: boolean }) => {
    const format = outputFormat(opts, LAB_FORMATS);
    const { readLabState, COMPONENTS, defaultLabDir } = await import('../../lab/state.js');
    const { componentHealthy } = await import('../../lab/control-plane.js');
    const { isRunning } = await import('../../lab/processes.js');
    const state = readLabState(opts.dir ?? defaultLabDir());
    const components = await Promise.all(
      COMPONENTS.filter((c) => state.processes[c]).map(async (c) => {
        const record = state.processes[c]!;
        const running = isRunning(record);
        const healthy = running ? await componentHealthy(state, c).catch(() => false) : false;
        return { component: c, pid: record.pid, running, healthy, log: record.log };
      }),
    );
    const summary = {
      labId: state.labId,
      dir: state.dir,
      status: state.status,
      kubernetesVersion: state.kubernetesVersion,
      kubeconfig: state.kubeconfig,
      apiserverUrl: state.apiserverUrl,
      etcdClientUrl: state.etcdClientUrl,
      apiserverEtcdUrl: state.apiserverEtcdUrl,
      proxyControlUrl: state.proxyControlUrl ?? null,
      nodes: state.nodes,
      experimentNamespace: state.experimentNamespace,
      golden: state.golden ?? null,
      startupSeconds: state.startupSeconds ?? null,
      components,
    };
    if (format === 'json') {
      io.out.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    io.out.write(
      `lab ${state.labId} (${state.status}) in ${state.dir}\napiserver ${state.apiserverUrl}, etcd ${state.etcdClientUrl}${state.proxyControlUrl ? `, proxy control ${state.proxyControlUrl}` : ''}\nkubeconfig ${state.kubeconfig}\n\n`,
    );
    io.out.write(renderTable(['component', 'pid', 'running', 'healthy'], components.map((c) => [c.component, c.pid, c.running ? 'yes' : 'no', c.healthy ? 'yes' : 'no'])));
  });

  lab
    .command('logs')
    .description('print the log of one component (etcd, proxy, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)')
    .argument('<component>', 'component name')
    .option('--tail <n>', 'only the last N lines', positiveInt('--tail'))
    .option('--dir <dir>', 'lab directory (default: $MUTINY_HOME/lab)')
    .action(async (component: string, opts: DirOption & { tail?: number }) => {
      const { readLabState, COMPONENTS, defaultLabDir } = await import('../../lab/state.js');
      const { logFile } = await import('../../lab/control-plane.js');
      const { tailLog } = await import('../../lab/processes.js');
      if (!(COMPONENTS as readonly string[]).includes(component)) {
        throw new InvalidDataError(`component ${JSON.stringify(component)}: unknown; use one of ${COMPONENTS.join(', ')}`);
      }
      const state = readLabState(opts.dir ?? defaultLabDir());
      const text = tailLog(logFile(state, component as (typeof COMPONENTS)[number]), opts.tail ?? Number.MAX_SAFE_INTEGER);
      io.out.write(text ? `${text}\n` : '');
    });

  lab
    .command('down')
    .description('stop exactly the processes the lab started and delete its directory')
    .option('--dir <dir>', 'lab directory (default: $MUTINY_HOME/lab)')
    .option('--keep', 'keep the directory (logs, etcd data, PKI)')
    .action(async (opts: DirOption & { keep?: boolean }) => {
      const { downLab } = await import('../../lab/down.js');
      const result = await downLab(opts.dir, { keep: opts.keep });
      io.out.write(
        `${result.stopped.length > 0 ? `stopped ${result.stopped.join(', ')}` : 'no lab processes were running'}; ${result.removed ? `removed ${result.dir}` : `kept ${result.dir}`}\n`,
      );
    });

  withFormat(
    lab
      .command('reset')
      .description('return the lab to the golden state captured by `lab up`, verified by a digest of the stored objects')
      .option('--dir <dir>', 'lab directory (default: $MUTINY_HOME/lab)')
      .option('--method <method>', 'auto (namespace, then snapshot if the digest differs) | namespace | snapshot', 'auto'),
    LAB_FORMATS,
  ).action(async (opts: DirOption & { method: string; format?: string; json?: boolean }) => {
    const format = outputFormat(opts, LAB_FORMATS);
    const { readLabState, defaultLabDir } = await import('../../lab/state.js');
    const { resetLab, RESET_METHODS } = await import('../../lab/reset.js');
    if (!(RESET_METHODS as readonly string[]).includes(opts.method)) {
      throw new InvalidDataError(`--method ${opts.method}: unknown; use one of ${RESET_METHODS.join(', ')}`);
    }
    const state = readLabState(opts.dir ?? defaultLabDir());
    const result = await interruptible((signal) => resetLab(state, { method: opts.method as 'auto', signal }));
    if (format === 'json') {
      io.out.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    io.out.write(`reset by ${result.method} in ${formatDuration(result.seconds)}; digest ${result.digest.slice(0, 16)} ${result.matches ? 'matches' : 'DIFFERS from'} the golden state\n`);
    for (const d of result.differences.slice(0, 20)) io.out.write(`  ${d}\n`);
  });

  lab
    .command('run')
    .description("run one of the paper's workloads (deploy, scale, failover) and print its observation summary")
    .argument('<workload>', 'deploy | scale | failover')
    .option('--replicas <n>', 'Deployment replicas', positiveInt('--replicas'), 3)
    .option('--scale-to <n>', 'scale: size to scale up to (default 2 x replicas)', positiveInt('--scale-to'))
    .option('--failover <mode>', 'failover: delete-pods | node-not-ready', 'delete-pods')
    .option('--namespace <name>', 'namespace (default: the lab experiment namespace)')
    .option('--timeout <seconds>', 'give up waiting for convergence after this long', positiveInt('--timeout'), 120)
    .option('--out <file>', 'write the full observation series (JSON) to FILE')
    .option('--json', 'print the full observation as JSON')
    .option('--dir <dir>', 'lab directory (default: $MUTINY_HOME/lab)')
    .action(
      async (
        workload: string,
        opts: DirOption & { replicas: number; scaleTo?: number; failover: string; namespace?: string; timeout: number; out?: string; json?: boolean },
      ) => {
        if (!['deploy', 'scale', 'failover'].includes(workload)) throw new InvalidDataError(`workload ${JSON.stringify(workload)}: use deploy, scale or failover`);
        if (!['delete-pods', 'node-not-ready'].includes(opts.failover)) throw new InvalidDataError(`--failover ${opts.failover}: use delete-pods or node-not-ready`);
        const { readLabState, defaultLabDir } = await import('../../lab/state.js');
        const { runWorkload } = await import('../../lab/workloads.js');
        const state = readLabState(opts.dir ?? defaultLabDir());
        const observation = await runWorkload(state, {
          kind: workload as 'deploy',
          namespace: opts.namespace ?? state.experimentNamespace,
          replicas: opts.replicas,
          scaleTo: opts.scaleTo,
          failover: opts.failover as 'delete-pods',
          timeoutMs: opts.timeout * 1000,
        });
        if (opts.out) writeFileSync(opts.out, `${JSON.stringify(observation, null, 1)}\n`);
        if (opts.json) {
          io.out.write(`${JSON.stringify(observation, null, 2)}\n`);
          return;
        }
        const failed = observation.apiCalls.filter((c) => !c.ok).length;
        io.out.write(
          `${workload}: ${observation.converged ? `converged in ${observation.convergenceMs} ms` : 'did NOT converge'}; ${observation.samples.length} samples, ${observation.apiCalls.length} API calls (${failed} failed)\n`,
        );
        io.out.write(
          renderTable(
            ['phase', 'started ms', 'converged ms', 'condition'],
            observation.phases.map((p) => [p.name, p.startedAt, p.convergedAt ?? 'never', p.condition]),
          ),
        );
      },
    );
}
