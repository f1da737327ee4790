import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { experimental } from '@grpc/grpc-js';

type CertificateProvider = experimental.CertificateProvider;
type IdentityUpdate = experimental.IdentityCertificateUpdate;
type CaUpdate = experimental.CaCertificateUpdate;
type IdentityListener = experimental.IdentityCertificateUpdateListener;
type CaListener = experimental.CaCertificateUpdateListener;

export interface CertificateFiles {
  /** PEM certificate chain (leaf first); with keyFile. */
  certFile?: string | undefined;
  /** PEM private key of certFile. */
  keyFile?: string | undefined;
  /** PEM CA bundle that peers' certificates must chain to. */
  caFile?: string | undefined;
}

export interface WatchOptions {
  /** How often the files are read again (default 1000 ms). */
  refreshIntervalMs?: number;
  /** New certificates are in use (new connections get them; open ones keep theirs). */
  onReload?: () => void;
  /** Changed files that are unreadable or do not form a valid set: the previous ones stay. */
  onReloadError?: (error: Error) => void;
}

interface Contents {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

const same = (a: Buffer | undefined, b: Buffer | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.equals(b));

/** Throws unless node's TLS accepts the set (parsable PEM, key matching the certificate). */
function validate(contents: Contents): void {
  createSecureContext({ cert: contents.cert, key: contents.key, ca: contents.ca });
}

/**
 * A grpc-js CertificateProvider over PEM files that change on disk (cert-manager renewing a
 * Secret that kubelet updates in a mounted volume). Unlike grpc-js's
 * FileWatcherCertificateProvider it reads the files once synchronously at construction
 * (throwing when they are missing or invalid, so a service fails at start, not at its first
 * connection), publishes a change only after checking that the new certificate, key and CA
 * form a valid set (a half-written renewal, where the new certificate meets the old key,
 * keeps the previous set instead of leaving the server without credentials), and notifies
 * its listeners only when the content changed. Connections already open keep their TLS
 * session, so calls in flight are not affected by a rotation.
 */
export class WatchedCertificateFiles implements CertificateProvider {
  private contents: Contents;
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly caListeners = new Set<CaListener>();
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly files: CertificateFiles,
    private readonly options: WatchOptions = {},
  ) {
    if ((files.certFile === undefined) !== (files.keyFile === undefined))
      throw new Error('a certificate file and its key file go together');
    const read = (path: string | undefined) => (path ? readFileSync(path) : undefined);
    this.contents = {
      cert: read(files.certFile),
      key: read(files.keyFile),
      ca: read(files.caFile),
    };
    validate(this.contents);
  }

  private identity(): IdentityUpdate | null {
    const { cert, key } = this.contents;
    return cert && key ? { certificate: cert, privateKey: key } : null;
  }

  private ca(): CaUpdate | null {
    return this.contents.ca ? { caCertificate: this.contents.ca } : null;
  }

  /** Reads the files again; publishes a changed, valid set. */
  async refresh(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const read = (path: string | undefined) => (path ? readFile(path) : undefined);
      const [cert, key, ca] = await Promise.all([
        read(this.files.certFile),
        read(this.files.keyFile),
        read(this.files.caFile),
      ]);
      const next: Contents = { cert, key, ca };
      const identityChanged = !same(cert, this.contents.cert) || !same(key, this.contents.key);
      const caChanged = !same(ca, this.contents.ca);
      if (!identityChanged && !caChanged) return;
      validate(next);
      this.contents = next;
      if (identityChanged) for (const listener of this.identityListeners) listener(this.identity());
      if (caChanged) for (const listener of this.caListeners) listener(this.ca());
      this.options.onReload?.();
    } catch (error) {
      this.options.onReloadError?.(error as Error);
    } finally {
      this.reading = false;
    }
  }

  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs ?? 1000);
    this.timer.unref();
  }

  private unwatchIfUnused(): void {
    if (this.identityListeners.size + this.caListeners.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    this.watch();
    // Asynchronously: grpc-js registers its own watcher only after adding this listener.
    queueMicrotask(() => {
      if (this.identityListeners.has(listener)) listener(this.identity());
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
    this.unwatchIfUnused();
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    this.watch();
    queueMicrotask(() => {
      if (this.caListeners.has(listener)) listener(this.ca());
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
    this.unwatchIfUnused();
  }
}
