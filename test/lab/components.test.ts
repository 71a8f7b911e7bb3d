import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { kubernetesLdflags } from '../../src/lab/binaries.js';
import { apiserverArgs, controllerManagerArgs, etcdArgs, kwokArgs, schedulerArgs, type ComponentPlan } from '../../src/lab/components.js';
import { KUBERNETES_VERSION, KWOK_VERSION } from '../../src/lab/versions.js';

const plan: ComponentPlan = {
  dir: '/lab',
  binaries: { etcd: '/b/etcd', etcdctl: '/b/etcdctl', 'kube-apiserver': '/b/a', 'kube-controller-manager': '/b/c', 'kube-scheduler': '/b/s', kwok: '/b/k' },
  pki: {
    caCert: '/lab/pki/ca.crt',
    caKey: '/lab/pki/ca.key',
    apiserverCert: '/lab/pki/apiserver.crt',
    apiserverKey: '/lab/pki/apiserver.key',
    adminCert: '/lab/pki/admin.crt',
    adminKey: '/lab/pki/admin.key',
    serviceAccountKey: '/lab/pki/sa.key',
    serviceAccountPublicKey: '/lab/pki/sa.pub',
  },
  ports: { etcdClient: 2379, etcdPeer: 2380, apiserver: 6443, controllerManager: 10257, scheduler: 10259, kwok: 10247 },
  kubeconfig: '/lab/kubeconfig',
  apiserverEtcdUrl: 'http://127.0.0.1:3379',
  kwokStageFiles: ['/lab/kwok/a.yaml', '/lab/kwok/b.yaml'],
};

describe('lab component command lines', () => {
  it('points the apiserver at the given etcd URL (the proxy slot) with the lab PKI and short tolerations', () => {
    const args = apiserverArgs(plan);
    expect(args).toContain('--etcd-servers=http://127.0.0.1:3379');
    expect(args).toContain('--secure-port=6443');
    expect(args).toContain('--client-ca-file=/lab/pki/ca.crt');
    expect(args).toContain('--service-account-signing-key-file=/lab/pki/sa.key');
    expect(args).toContain('--default-not-ready-toleration-seconds=5');
    expect(args).toContain('--feature-gates=WatchList=false');
  });

  it('runs a one-member etcd on loopback in DIR/etcd', () => {
    expect(etcdArgs(plan)).toEqual(
      expect.arrayContaining(['--data-dir=/lab/etcd', '--listen-client-urls=http://127.0.0.1:2379', '--initial-cluster=lab=http://127.0.0.1:2380']),
    );
  });

  it('gives kcm and the scheduler their ports, the kubeconfig and leader election with short timings', () => {
    const election = ['--leader-elect=true', '--leader-elect-lease-duration=8s', '--leader-elect-renew-deadline=6s', '--leader-elect-retry-period=2s'];
    expect(controllerManagerArgs(plan)).toEqual(expect.arrayContaining(['--secure-port=10257', '--kubeconfig=/lab/kubeconfig', ...election, '--root-ca-file=/lab/pki/ca.crt']));
    expect(schedulerArgs(plan)).toEqual(expect.arrayContaining(['--secure-port=10259', ...election]));
  });

  it('passes every stage file to kwok', () => {
    const args = kwokArgs(plan);
    expect(args.filter((a) => a.startsWith('--config='))).toEqual(['--config=/lab/kwok/a.yaml', '--config=/lab/kwok/b.yaml']);
    expect(args).toContain('--manage-all-nodes=true');
  });

  it('stamps the version variables into the Kubernetes binaries', () => {
    expect(kubernetesLdflags('v1.34.2')).toBe(
      '-s -w -X k8s.io/component-base/version.gitVersion=v1.34.2 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=2025-11-11T19:00:37Z',
    );
  });
});

describe('lab/go.mod', () => {
  const goMod = readFileSync(path.join(PACKAGE_ROOT, 'lab', 'go.mod'), 'utf8');

  it('pins the Kubernetes version the lab reports', () => {
    expect(goMod).toMatch(new RegExp(`^\\s*k8s\\.io/kubernetes ${KUBERNETES_VERSION.replace(/\./g, '\\.')}\\b`, 'm'));
  });

  it('replaces every staging module with its v0 twin of the same release', () => {
    const twin = KUBERNETES_VERSION.replace(/^v1\./, 'v0.');
    const replaces = [...goMod.matchAll(/^\t(k8s\.io\/\S+) => (k8s\.io\/\S+) (\S+)$/gm)];
    expect(replaces.length).toBe(29);
    for (const [, from, to, version] of replaces) {
      expect(to).toBe(from);
      expect(version).toBe(twin);
    }
  });

  it('ships the kwok stages of the pinned kwok release', () => {
    expect(readFileSync(path.join(PACKAGE_ROOT, 'lab', 'kwok-stages', 'README.md'), 'utf8')).toContain(KWOK_VERSION);
  });
});
