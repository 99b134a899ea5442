/**
 * Certificates made for one test run with openssl (Debian's `openssl`; .ci/run installs it): a
 * test CA and leaf certificates it signs, EC P-256, valid one day, in a fresh temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  /** The CA certificate file every leaf chains to. */
  caFile: string;
  ca: Buffer;
  /** A leaf for `cn`, with these DNS names (and IP 127.0.0.1) as subjectAltName. */
  issue(cn: string, dnsNames?: readonly string[]): TestCertificate;
  remove(): void;
}

const CURVE = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'edgeworks-pki-'));
  const caFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  openssl(['req', '-x509', ...CURVE, '-days', '1', '-subj', '/CN=edgeworks test CA', '-keyout', caKey, '-out', caFile, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  let serial = 0;
  return {
    dir,
    caFile,
    ca: readFileSync(caFile),
    issue(cn, dnsNames = [cn]) {
      serial++;
      const base = join(dir, `leaf-${serial}`);
      const ext = `${base}.ext`;
      writeFileSync(ext, `subjectAltName=${[...dnsNames.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',')}\n`);
      openssl(['req', '-new', ...CURVE, '-subj', `/CN=${cn}`, '-keyout', `${base}.key`, '-out', `${base}.csr`]);
      openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', caFile, '-CAkey', caKey, '-set_serial', String(serial), '-days', '1', '-extfile', ext, '-out', `${base}.pem`]);
      return { cert: `${base}.pem`, key: `${base}.key` };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
