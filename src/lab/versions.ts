/**
 * Versions the lab is built from. KUBERNETES_VERSION must match the `require k8s.io/kubernetes` line of
 * lab/go.mod (a test checks it). v1.34.2: a current release whose `go 1.24.0` line the machine's Go 1.26 builds,
 * already in the module cache; its etcd client (v3.6.4) talks to Debian's etcd 3.4.23 (checked by the e2e test).
 * kwok v0.7.0 (client-go v0.33): verified in the lab with Go 1.26 (no replace lines, so `go install` builds it).
 * v0.8.0 also builds, but it was tried before the apiserver's WatchList gate was turned off (components.ts) and
 * its leases went stale against etcd 3.4.23; it was not re-verified with the gate off.
 */
export const KUBERNETES_VERSION = 'v1.34.2';

/** Commit date of KUBERNETES_VERSION (module proxy .info), stamped into the binaries as buildDate. */
export const KUBERNETES_BUILD_DATE = '2025-11-11T19:00:37Z';

export const KWOK_VERSION = 'v0.7.0';

/** The control-plane binaries built from lab/go.mod, in build order. */
export const KUBERNETES_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

/** Every binary the lab runs besides Debian's etcd. */
export const LAB_BINARIES = [...KUBERNETES_BINARIES, 'kwok'] as const;
export type LabBinary = (typeof LAB_BINARIES)[number];
