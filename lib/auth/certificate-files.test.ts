// WatchedCertificateFiles over real certificates (openssl at test time): a renewal is
// published once the new certificate, key and CA form a valid set; a certificate that meets
// the wrong key on disk (a half-written renewal), however long it stays, is never published.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { certificateFolder } from '../../test/support/certificates.js';
import { WatchedCertificateFiles } from './certificate-files.js';

describe('WatchedCertificateFiles', () => {
  const certs = certificateFolder();
  after(() => {
    certs.remove();
  });

  it('publishes a valid renewal and keeps the previous set while the pair on disk does not match', async () => {
    const ca = certs.createCa('ca');
    const first = certs.issue(ca, { name: 'first', usage: 'server' });
    const second = certs.issue(ca, { name: 'second', usage: 'server' });
    const certFile = certs.path('tls.crt');
    const keyFile = certs.path('tls.key');
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    const errors: Error[] = [];
    const files = new WatchedCertificateFiles(
      { certFile, keyFile, caFile: ca.certFile },
      // refreshed by hand below: no timer races with the test
      { refreshIntervalMs: 3_600_000, onReloadError: (error) => errors.push(error) },
    );
    const published: string[] = [];
    const subject = (pem: Buffer) => new X509Certificate(pem).subject;
    files.addIdentityCertificateListener((update) => {
      if (update) published.push(subject(update.certificate));
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(published, ['CN=first']);

    // The new certificate is on disk, its key not yet: held back, on every refresh.
    copyFileSync(second.certFile, certFile);
    await files.refresh();
    await files.refresh();
    assert.deepEqual(published, ['CN=first'], 'a mismatched pair is never published');
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]?.message), /key values mismatch|does not match|key/i);

    // The key arrives: the renewal is published, once.
    copyFileSync(second.keyFile, keyFile);
    await files.refresh();
    await files.refresh();
    assert.deepEqual(published, ['CN=first', 'CN=second']);
  });
});
