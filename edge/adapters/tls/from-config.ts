/**
 * The edge binary's TLS files: certificates for the HTTPS listener (read at start, where a bad
 * file is a one-line ConfigError and exit 2, and on SIGHUP, where it is one log line and the old
 * certificates stay) and the CA bundle for https upstreams.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../common/config-loader.js';
import type { Logger } from '../../../common/ports.js';
import type { EdgeConfig } from '../../config.js';
import { CertificateError, loadCertificateSet, type CertificateSet, type CertificateSources } from './certificate-set.js';

/** The certificate files the config names; undefined without an HTTPS listener. */
export function certificateSourcesOf(config: Pick<EdgeConfig, 'httpsPort' | 'tls'>): CertificateSources | undefined {
  if (config.httpsPort === undefined) return undefined;
  const { cert, key, certificates } = config.tls;
  if (cert === undefined || key === undefined) {
    throw new ConfigError(`tls.${cert === undefined ? 'cert' : 'key'}: is required with --https-port (set --tls-cert and --tls-key, or tls.cert and tls.key in the config file)`);
  }
  return { default: { cert, key }, bySni: certificates };
}

/** The certificates at start: a bad file stops the binary with one line. */
export function loadStartupCertificates(sources: CertificateSources): CertificateSet {
  try {
    return loadCertificateSet(sources);
  } catch (err) {
    if (err instanceof CertificateError) throw new ConfigError(err.message);
    throw err;
  }
}

/** On SIGHUP: the files read again and swapped in whole, or the old set kept and one line logged. */
export function reloadCertificatesOnSighup(sources: CertificateSources, server: { reload(set: CertificateSet): void }, logger: Logger): void {
  process.on('SIGHUP', () => {
    let set: CertificateSet;
    try {
      set = loadCertificateSet(sources);
    } catch (err) {
      logger.log('error', 'tls reload failed, serving the previous certificates', { error: err instanceof Error ? err.message : String(err) });
      return;
    }
    server.reload(set);
    logger.log('info', 'tls certificates reloaded', { sniCertificates: sources.bySni.length });
  });
}

/** The CA bundle for https upstreams, or undefined for Node's roots alone. */
export function readCaFile(config: Pick<EdgeConfig, 'tls'>): Buffer | undefined {
  const path = config.tls.caFile;
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`tls.caFile: cannot read ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
