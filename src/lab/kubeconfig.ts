import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { LabPki } from './pki.js';

/** The context name in every lab kubeconfig. */
export const KUBECONFIG_CONTEXT = 'mutiny-lab';

/** Writes a kubeconfig for the lab admin (certificates embedded, so the file alone is enough). */
export function writeKubeconfig(file: string, apiserverUrl: string, pki: LabPki): void {
  const b64 = (f: string) => readFileSync(f).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: KUBECONFIG_CONTEXT, cluster: { server: apiserverUrl, 'certificate-authority-data': b64(pki.caCert) } }],
    users: [{ name: 'mutiny-admin', user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) } }],
    contexts: [{ name: KUBECONFIG_CONTEXT, context: { cluster: KUBECONFIG_CONTEXT, user: 'mutiny-admin' } }],
    'current-context': KUBECONFIG_CONTEXT,
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
}
