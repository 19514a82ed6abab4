/**
 * Tobira's certificate authority: created on first start (key encrypted at rest), loaded afterwards,
 * or taken from operator-supplied files. Issues the TLS server certificate and client certificates,
 * packs PKCS#12 files and signs CRLs.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import forge from 'node-forge';
import { newCertificateSerial } from '../src/random.js';
import { certificatePem, clientTbs, signedCertificate } from './client-cert.js';
import { buildCrl, type CrlInput, type CrlIssuer } from './crl.js';
import { checkCsr, type CheckedCsr } from './csr.js';
import { CaError } from './errors.js';
import { caExtensions, buildCertificate, serverExtensions, subject, toDer, toPem } from './issue.js';
import {
  decryptPrivateKeyPem,
  encryptPrivateKeyPem,
  generateRsaKeyPair,
  keyPairFromPem,
  signSha256,
  type RsaKeyPair,
} from './keys.js';
import { toPkcs12 } from './pkcs12.js';
import { fingerprintS256, verifyClientCertificate, type ClientCertificateCheck } from './verify.js';

export interface OperatorFiles {
  caCertFile?: string;
  caKeyFile?: string;
  caKeyPassphrase?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

export interface LoadCaOptions {
  dir: string;
  keyPassphrase: string;
  organization?: string;
  commonName?: string;
  serverHostnames: string[];
  operator?: OperatorFiles;
  now?: () => Date;
}

export interface IssuedClientCertificate {
  serial: string;
  subjectCn: string;
  fingerprintS256: string;
  notBefore: Date;
  notAfter: Date;
  certificatePem: string;
  privateKeyPem: string;
}

interface ServerTls {
  certPem: string;
  keyPem: string;
  chainPem: string;
}

const CA_VALIDITY_DAYS = 3650;
const SERVER_VALIDITY_DAYS = 397;
const RENEW_BEFORE_MS = 30 * 86_400_000;

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

const writeSecret = (file: string, content: string) => writeFile(file, content, { mode: 0o600 });

export const clientSubjectCn = (userId: string, terminalNumber: number): string =>
  `${userId} #${terminalNumber}`;

export class CertificateAuthority {
  readonly certificatePem: string;
  readonly certificateDer: Buffer;
  readonly serverTls: ServerTls;
  readonly #certificate: forge.pki.Certificate;
  readonly #x509: X509Certificate;
  readonly #key: RsaKeyPair;
  readonly #crlIssuer: CrlIssuer;
  readonly #organization: string;
  readonly #now: () => Date;

  private constructor(input: {
    certificatePem: string;
    key: RsaKeyPair;
    serverTls: ServerTls;
    organization: string;
    now: () => Date;
  }) {
    this.certificatePem = input.certificatePem;
    this.#certificate = forge.pki.certificateFromPem(input.certificatePem);
    this.certificateDer = toDer(this.#certificate);
    this.#x509 = new X509Certificate(this.certificateDer);
    this.#key = input.key;
    this.#crlIssuer = {
      nameDer: Buffer.from(
        forge.asn1.toDer(forge.pki.distinguishedNameToAsn1(this.#certificate.subject)).getBytes(),
        'binary',
      ),
      keyIdentifier: Buffer.from(this.#certificate.generateSubjectKeyIdentifier().getBytes(), 'binary'),
      privateKey: input.key.privateKey,
      memo: { entries: new Map() },
    };
    this.serverTls = input.serverTls;
    this.#organization = input.organization;
    this.#now = input.now;
  }

  static async loadOrCreate(options: LoadCaOptions): Promise<CertificateAuthority> {
    const now = options.now ?? (() => new Date());
    const organization = options.organization ?? 'Tobira';
    const operator = options.operator ?? {};
    await mkdir(options.dir, { recursive: true, mode: 0o700 });

    const { certificatePem, key } =
      operator.caCertFile && operator.caKeyFile
        ? await loadOperatorCa(operator)
        : await loadOrCreateOwnCa(
            options.dir,
            options.keyPassphrase,
            organization,
            options.commonName ?? `${organization} Root CA`,
            now,
          );
    const ca = { certificate: forge.pki.certificateFromPem(certificatePem), privateKey: key.privateKey };
    const serverTls =
      operator.tlsCertFile && operator.tlsKeyFile
        ? await loadOperatorTls(operator.tlsCertFile, operator.tlsKeyFile)
        : await loadOrCreateServerTls(
            options.dir,
            ca,
            certificatePem,
            organization,
            options.serverHostnames,
            now,
          );
    return new CertificateAuthority({ certificatePem, key, serverTls, organization, now });
  }

  async issueClientCertificate(input: {
    userId: string;
    terminalNumber: number;
    email: string;
    validityDays: number;
    keyBits?: 2048 | 3072;
  }): Promise<IssuedClientCertificate> {
    const keyPair = await generateRsaKeyPair(input.keyBits ?? 2048);
    const spki = createPublicKey(keyPair.privateKey).export({ type: 'spki', format: 'der' });
    const issued = await this.#issueClient(spki, input);
    return { ...issued, privateKeyPem: keyPair.privateKeyPem };
  }

  /** A client certificate for a key made elsewhere (the mint pool), given as SubjectPublicKeyInfo DER. */
  issueClientCertificateFor(
    publicKeyDer: Buffer,
    input: { userId: string; terminalNumber: number; email: string; validityDays: number },
  ): Promise<Omit<IssuedClientCertificate, 'privateKeyPem'>> {
    return this.#issueClient(publicKeyDer, input);
  }

  /**
   * Check a PKCS#10 request (parses, self-signature verifies natively, RSA of at least `minBits`) and
   * return its key. Separate from issuing so a caller can refuse a bad request before it spends anything.
   */
  verifyCsr(csrPem: string, minBits = 2048): CheckedCsr {
    return checkCsr(csrPem, minBits);
  }

  /** Issue for a CSR (the key never leaves the device). Subject and SAN come from our inputs, never the CSR. */
  async issueFromCsr(input: {
    csrPem: string;
    minBits?: number;
    userId: string;
    terminalNumber: number;
    email: string;
    validityDays: number;
  }): Promise<Omit<IssuedClientCertificate, 'privateKeyPem'>> {
    const { publicKey } = this.verifyCsr(input.csrPem, input.minBits);
    // The key as Node encodes it, whatever (valid) encoding the device chose.
    return this.#issueClient(publicKey.export({ type: 'spki', format: 'der' }), input);
  }

  /** The certificate written by client-cert.ts (forge's bytes, without forge), signed on the libuv pool. */
  async #issueClient(
    spkiDer: Buffer,
    input: { userId: string; terminalNumber: number; email: string; validityDays: number },
  ) {
    const subjectCn = clientSubjectCn(input.userId, input.terminalNumber);
    const serial = newCertificateSerial();
    const { tbs, notBefore, notAfter } = clientTbs(this.#crlIssuer, {
      serial,
      commonName: subjectCn,
      organization: this.#organization,
      email: input.email,
      spkiDer,
      now: this.#now(),
      validityDays: input.validityDays,
    });
    const der = signedCertificate(tbs, await signSha256(this.#key.privateKey, tbs));
    return {
      serial: serial.toLowerCase(),
      subjectCn,
      fingerprintS256: fingerprintS256(der),
      notBefore,
      notAfter,
      certificatePem: certificatePem(der),
    };
  }

  toPkcs12(input: {
    privateKeyPem: string;
    certificatePem: string;
    password: string;
    friendlyName: string;
  }): Buffer {
    return toPkcs12({ ...input, caCertificatePem: this.certificatePem });
  }

  /** A signed CRL (the signature made on the libuv pool). */
  createCrl(input: CrlInput): Promise<{ der: Buffer; pem: string }> {
    return buildCrl(this.#crlIssuer, input);
  }

  verifyClientCertificate(der: Buffer, now: Date): ClientCertificateCheck {
    return verifyClientCertificate(this.#x509, der, now);
  }
}

async function loadOperatorCa(operator: OperatorFiles): Promise<{ certificatePem: string; key: RsaKeyPair }> {
  const certificatePem = await readFile(operator.caCertFile!, 'utf8');
  const keyPem = decryptPrivateKeyPem(
    await readFile(operator.caKeyFile!, 'utf8'),
    operator.caKeyPassphrase,
    operator.caKeyFile!,
  );
  try {
    forge.pki.certificateFromPem(certificatePem);
    return { certificatePem, key: keyPairFromPem(keyPem) };
  } catch (cause) {
    throw new CaError(
      'ca_files_invalid',
      `the CA files ${operator.caCertFile} / ${operator.caKeyFile} must be an RSA certificate and key in PEM`,
      { cause },
    );
  }
}

async function loadOperatorTls(certFile: string, keyFile: string): Promise<ServerTls> {
  const certPem = await readFile(certFile, 'utf8');
  return { certPem, keyPem: await readFile(keyFile, 'utf8'), chainPem: certPem };
}

async function loadOrCreateOwnCa(
  dir: string,
  passphrase: string,
  organization: string,
  commonName: string,
  now: () => Date,
) {
  const certFile = path.join(dir, 'ca.pem');
  const keyFile = path.join(dir, 'ca.key');
  const [certificatePem, encryptedKey] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  if (certificatePem && encryptedKey) {
    return { certificatePem, key: keyPairFromPem(decryptPrivateKeyPem(encryptedKey, passphrase, keyFile)) };
  }
  const key = await generateRsaKeyPair(3072);
  const cert = await buildCertificate(
    {
      serial: newCertificateSerial(),
      subject: subject(commonName, organization),
      publicKey: key.publicKey,
      now: now(),
      validityDays: CA_VALIDITY_DAYS,
      extensions: caExtensions(),
    },
    { certificate: null, privateKey: key.privateKey },
  );
  const pem = toPem(cert);
  await writeSecret(keyFile, encryptPrivateKeyPem(key.privateKeyPem, passphrase));
  await writeFile(certFile, pem, { mode: 0o644 });
  return { certificatePem: pem, key };
}

async function loadOrCreateServerTls(
  dir: string,
  ca: { certificate: forge.pki.Certificate; privateKey: KeyObject },
  caPem: string,
  organization: string,
  hostnames: string[],
  now: () => Date,
): Promise<ServerTls> {
  const certFile = path.join(dir, 'server.pem');
  const keyFile = path.join(dir, 'server.key');
  const namesFile = path.join(dir, 'server-hostnames.json');
  const [certPem, keyPem, names] = await Promise.all([
    readIfExists(certFile),
    readIfExists(keyFile),
    readIfExists(namesFile),
  ]);
  const wanted = JSON.stringify([...hostnames].sort());
  if (certPem && keyPem && names === wanted) {
    const x509 = new X509Certificate(certPem);
    const fresh = new Date(x509.validTo).getTime() - now().getTime() > RENEW_BEFORE_MS;
    if (fresh && x509.checkIssued(new X509Certificate(caPem)))
      return { certPem, keyPem, chainPem: `${certPem}${caPem}` };
  }
  const key = await generateRsaKeyPair(2048);
  const cert = await buildCertificate(
    {
      serial: newCertificateSerial(),
      subject: subject(hostnames[0] ?? 'localhost', organization),
      publicKey: key.publicKey,
      now: now(),
      validityDays: SERVER_VALIDITY_DAYS,
      extensions: serverExtensions(hostnames),
    },
    ca,
  );
  const pem = toPem(cert);
  await writeSecret(keyFile, key.privateKeyPem);
  await writeFile(certFile, pem, { mode: 0o644 });
  await writeFile(namesFile, wanted, { mode: 0o644 });
  return { certPem: pem, keyPem: key.privateKeyPem, chainPem: `${pem}${caPem}` };
}
