import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The names the server's certificates carry; clients check them with TEMPORAL_TLS_SERVER_NAME. */
export const FRONTEND_SERVER_NAME = 'temporal-frontend';
export const INTERNODE_SERVER_NAME = 'temporal-internode';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface ClusterCertificates {
  dir: string;
  /** The development CA: it signs every certificate below, and the server trusts only it. */
  ca: KeyPair;
  /** What the frontend presents to clients (through the load balancer). */
  frontend: KeyPair;
  /** What nodes present to each other, as servers and as clients. */
  internode: KeyPair;
  /** The app's client certificate (API, workers, CLI, Web UI server). */
  client: KeyPair;
}

const DAYS = '825';

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error('openssl not found: install it (apt-get install openssl) to generate the cluster\'s certificates');
    throw new Error(`openssl ${args[0]} failed: ${stderr?.trim() ?? String(error)}`);
  }
}

/** A new CA (P-256), self-signed. */
export async function createCa(dir: string, name: string): Promise<KeyPair> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pair = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', DAYS,
    '-subj', `/O=orderflow development/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', pair.key, '-out', pair.cert,
  ]);
  return pair;
}

/** A certificate signed by `ca`, for a server (with DNS names), a client, or both. */
export async function issueCertificate(ca: KeyPair, dir: string, name: string, { dnsNames = [], usage }: { dnsNames?: string[]; usage: Array<'serverAuth' | 'clientAuth'> }): Promise<KeyPair> {
  const pair = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
  const csr = path.join(dir, `${name}.csr`);
  const extensions = path.join(dir, `${name}.ext`);
  await writeFile(
    extensions,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage.join(',')}`,
      ...(dnsNames.length > 0 ? [`subjectAltName=${dnsNames.map((dns) => `DNS:${dns}`).join(',')}`] : []),
    ].join('\n'),
  );
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/O=orderflow development/CN=${name}`, '-keyout', pair.key, '-out', csr]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', DAYS, '-sha256', '-extfile', extensions, '-out', pair.cert]);
  await Promise.all([rm(csr), rm(extensions)]);
  return pair;
}

/**
 * The cluster's development CA and certificates, generated with openssl into `dir` on first run
 * and reused after. Development only: production brings its own PKI (cert-manager, Vault, ...).
 */
export async function ensureClusterCertificates(dir: string, log: (line: string) => void = () => {}): Promise<ClusterCertificates> {
  const pair = (name: string): KeyPair => ({ cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) });
  const certs: ClusterCertificates = { dir, ca: pair('ca'), frontend: pair('frontend'), internode: pair('internode'), client: pair('client') };
  const all = [certs.ca, certs.frontend, certs.internode, certs.client].flatMap(({ cert, key }) => [cert, key]);
  if (all.every((file) => existsSync(file))) return certs;

  log(`generating a development CA and certificates in ${dir}`);
  await rm(dir, { recursive: true, force: true });
  const ca = await createCa(dir, 'ca');
  await issueCertificate(ca, dir, 'frontend', { dnsNames: [FRONTEND_SERVER_NAME], usage: ['serverAuth'] });
  // Nodes dial each other by address and check this one name; the same pair is their client certificate.
  await issueCertificate(ca, dir, 'internode', { dnsNames: [INTERNODE_SERVER_NAME], usage: ['serverAuth', 'clientAuth'] });
  await issueCertificate(ca, dir, 'client', { usage: ['clientAuth'] });
  return certs;
}
