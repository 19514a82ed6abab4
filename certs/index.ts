export {
  CertificateAuthority,
  clientSubjectCn,
  type IssuedClientCertificate,
  type LoadCaOptions,
  type OperatorFiles,
} from './ca.js';
export { CaError, type CaErrorCode } from './errors.js';
export { REVOCATION_REASONS, type CrlInput } from './crl.js';
export { fromPkcs12 } from './pkcs12-read.js';
export { pkcs12File, type Pkcs12Input, type ShroudedKey } from './pkcs12.js';
export { MintPool, inThreadMinting, type MintedKey, type Minting } from './mint-pool.js';
export { fingerprintS256, normalizeSerial, type ClientCertificateCheck } from './verify.js';
