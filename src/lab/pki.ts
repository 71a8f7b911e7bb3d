import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { LabNotReadyError } from '../core/errors.js';

const execFileAsync = promisify(execFile);

/** The key and certificate files of one lab, all PEM, under DIR/pki. */
export interface LabPki {
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

/** DNS names and IPs the apiserver's serving certificate covers: loopback and the in-cluster service names. */
export const APISERVER_SANS = [
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
  'IP:127.0.0.1',
  'IP:10.96.0.1',
];

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').pop() ?? '';
    throw new LabNotReadyError(`openssl ${args[0]} failed in ${cwd}: ${stderr || (error as Error).message}; install openssl 3`, { cause: error });
  }
}

/**
 * Creates the lab's PKI with openssl (P-256 keys: fast to generate on a small machine): a CA, the apiserver
 * serving certificate with APISERVER_SANS, an admin client certificate in group system:masters (used by every
 * component and the user), and the service-account token signing key pair.
 */
export async function createPki(dir: string): Promise<LabPki> {
  const pkiDir = path.join(dir, 'pki');
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const file = (name: string) => path.join(pkiDir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=mutiny-lab-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], pkiDir);
  const signed = (name: string, subject: string, extensions: string) => {
    writeFileSync(file(`${name}.ext`), extensions);
    return openssl(['req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', subject,
      '-CA', 'ca.crt', '-CAkey', 'ca.key', '-copy_extensions', 'none', '-extensions', 'v3', '-config', `${name}.ext`], pkiDir);
  };
  const extension = (lines: string[]) => ['[req]', 'distinguished_name = dn', '[dn]', '[v3]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment', ...lines, ''].join('\n');
  await Promise.all([
    signed('apiserver', '/CN=kube-apiserver', extension(['extendedKeyUsage = serverAuth', `subjectAltName = ${APISERVER_SANS.join(',')}`])),
    signed('admin', '/O=system:masters/CN=mutiny-admin', extension(['extendedKeyUsage = clientAuth'])),
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'sa.key'], pkiDir),
  ]);
  await openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], pkiDir);
  return {
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    apiserverCert: file('apiserver.crt'),
    apiserverKey: file('apiserver.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    serviceAccountKey: file('sa.key'),
    serviceAccountPublicKey: file('sa.pub'),
  };
}
