/**
 * The certificates the HTTPS listener presents: a default and any number chosen by SNI. Read from
 * PEM files at start and again on reload; a set is built whole or not at all, so a reload with a
 * bad file keeps serving the old set.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';

export interface CertificateFiles {
  /** PEM certificate chain file. */
  cert: string;
  /** PEM private key file. */
  key: string;
}

export interface SniCertificateFiles extends CertificateFiles {
  /** Names this certificate is presented for: exact (`a.example`) or one wildcard label (`*.example`). */
  serverNames: string[];
}

export interface CertificateSources {
  /** Presented when SNI names no configured certificate, or is absent. */
  default: CertificateFiles;
  bySni: readonly SniCertificateFiles[];
}

/** TLS 1.2 and up; the rest (ciphers, curves) is Node's secure default. */
export const MIN_TLS_VERSION = 'TLSv1.2';

export interface CertificateSet {
  /** For `setSecureContext` and the server's options. */
  defaultOptions: SecureContextOptions;
  /** Lower-case server name (or `*.suffix`) to context. */
  byName: ReadonlyMap<string, SecureContext>;
}

/** The field a bad file belongs to and why, in one line. */
export class CertificateError extends Error {}

export function loadCertificateSet(sources: CertificateSources, readFile: (path: string) => Buffer = readFileSync): CertificateSet {
  const defaultOptions = optionsFor('tls.cert/tls.key', sources.default, readFile);
  const byName = new Map<string, SecureContext>();
  sources.bySni.forEach((entry, i) => {
    const context = createContext(`tls.certificates[${i}]`, optionsFor(`tls.certificates[${i}]`, entry, readFile));
    for (const name of entry.serverNames) byName.set(name.toLowerCase(), context);
  });
  // Checked here too, so a bad default fails now and not at the first handshake.
  createContext('tls.cert/tls.key', defaultOptions);
  return { defaultOptions, byName };
}

/** The context for an SNI name: exact, then one wildcard label; undefined means the default. */
export function contextForName(set: CertificateSet, serverName: string): SecureContext | undefined {
  const name = serverName.toLowerCase();
  const exact = set.byName.get(name);
  if (exact !== undefined) return exact;
  const dot = name.indexOf('.');
  return dot === -1 ? undefined : set.byName.get(`*${name.slice(dot)}`);
}

function optionsFor(field: string, files: CertificateFiles, readFile: (path: string) => Buffer): SecureContextOptions {
  return { cert: read(field, 'cert', files.cert, readFile), key: read(field, 'key', files.key, readFile), minVersion: MIN_TLS_VERSION };
}

function read(field: string, which: string, path: string, readFile: (path: string) => Buffer): Buffer {
  try {
    return readFile(path);
  } catch (err) {
    throw new CertificateError(`${field}: cannot read ${which} ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function createContext(field: string, options: SecureContextOptions): SecureContext {
  try {
    return createSecureContext(options);
  } catch (err) {
    // OpenSSL's reason ("PEM routines::no start line", "key values mismatch") names the fault.
    throw new CertificateError(`${field}: not a usable PEM certificate and key: ${(err as Error).message}`);
  }
}
