/**
 * Real certificates for TLS tests and `npm start -- --tls`, made with the openssl command line (Debian package
 * `openssl`; .ci/run installs it): a CA, server certificates for localhost / 127.0.0.1, client
 * certificates, and expired ones. EC P-256 keys, so that making them takes milliseconds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertificateAuthority {
  name: string;
  certFile: string;
  keyFile: string;
}

export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
}

export interface IssueOptions {
  /** Subject CN and file name stem. */
  name: string;
  /** serverAuth (SANs localhost and 127.0.0.1, plus `dnsNames`) or clientAuth. */
  usage: 'server' | 'client';
  dnsNames?: string[];
  /** Days valid from now; negative: expired that many days ago. Default 2. */
  days?: number;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A folder of certificates; remove() deletes it. */
export function certificateFolder(prefix = 'banana-tls-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let serial = 1;

  function createCa(name: string): CertificateAuthority {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    openssl(
      ['req', '-x509', ...EC_KEY, '-keyout', keyFile, '-out', certFile].concat([
        '-days',
        '30',
        '-subj',
        `/CN=${name}`,
      ]),
    );
    return { name, certFile, keyFile };
  }

  function issue(ca: CertificateAuthority, options: IssueOptions): IssuedCertificate {
    const stem = join(dir, options.name);
    const [certFile, keyFile, csr, ext] = ['.crt', '.key', '.csr', '.ext'].map((e) => stem + e);
    const sans =
      options.usage === 'server'
        ? ['DNS:localhost', 'IP:127.0.0.1', ...(options.dnsNames ?? []).map((n) => `DNS:${n}`)]
        : [`DNS:${options.name}`];
    writeFileSync(
      ext as string,
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=digitalSignature',
        `extendedKeyUsage=${options.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
        `subjectAltName=${sans.join(',')}`,
      ].join('\n'),
    );
    openssl(
      ['req', ...EC_KEY, '-keyout', keyFile as string, '-out', csr as string].concat([
        '-subj',
        `/CN=${options.name}`,
      ]),
    );
    openssl(
      ['x509', '-req', '-in', csr as string, '-CA', ca.certFile, '-CAkey', ca.keyFile]
        .concat(['-set_serial', String(serial++), '-out', certFile as string])
        .concat(['-days', String(options.days ?? 2), '-extfile', ext as string]),
    );
    return { certFile: certFile as string, keyFile: keyFile as string };
  }

  return {
    dir,
    createCa,
    issue,
    path: (name: string) => join(dir, name),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type CertificateFolder = ReturnType<typeof certificateFolder>;
