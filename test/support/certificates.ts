/** Certificates made by openssl at test time (scripts/lib/certificates.ts, also used by `npm start -- --tls`). */
export { certificateFolder } from '../../scripts/lib/certificates.js';
export type {
  CertificateAuthority,
  CertificateFolder,
  IssuedCertificate,
  IssueOptions,
} from '../../scripts/lib/certificates.js';
