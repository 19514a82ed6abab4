/**
 * A minimal DER writer over Buffers: the few universal types the PKCS#12 and CRL builders need.
 * forge's asn1 builds the same bytes through binary strings, which costs far more per node (a CRL of
 * 1,000 entries took ~6 ms of event loop in forge); client certificates too (client-cert.ts), while
 * the CA and TLS server certificates, made once, are built by forge.
 */

const length = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};

/** One TLV: `tag` (already carrying its class and constructed bit) around `content`. */
export const tlv = (tag: number, content: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), length(content.length), content]);

export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
export const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
export const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
export const nullValue = (): Buffer => Buffer.from([0x05, 0x00]);
/** [n] EXPLICIT (constructed, context-specific). */
export const explicit = (n: number, ...items: Buffer[]): Buffer => tlv(0xa0 | n, Buffer.concat(items));
/** [n] IMPLICIT primitive (context-specific), e.g. a KeyIdentifier. */
export const implicitPrimitive = (n: number, bytes: Buffer): Buffer => tlv(0x80 | n, bytes);
export const bitString = (bytes: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));
/** UTF-16BE code units, as forge and Windows write a PKCS#12 friendlyName. */
export const bmpString = (text: string): Buffer => {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i += 1) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return tlv(0x1e, out);
};

/** INTEGER from a non-negative big-endian magnitude (minimal, a leading 00 keeps it positive). */
export const unsignedInteger = (magnitude: Buffer): Buffer => {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  const trimmed = magnitude.subarray(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
};

export const integer = (n: number | bigint): Buffer => {
  let hex = BigInt(n).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return unsignedInteger(Buffer.from(hex, 'hex'));
};

export const enumerated = (n: number): Buffer => tlv(0x0a, integer(n).subarray(2));

export const oid = (dotted: string): Buffer => {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const base128: number[] = [part & 0x7f];
    for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128))
      base128.unshift(0x80 | (rest & 0x7f));
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
};

const two = (n: number) => String(n).padStart(2, '0');
/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), to the second, in UTC. */
export const time = (date: Date): Buffer => {
  const year = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return year < 2050
    ? tlv(0x17, Buffer.from(`${two(year % 100)}${rest}`, 'latin1'))
    : tlv(0x18, Buffer.from(`${year}${rest}`, 'latin1'));
};

/** The DER inside the first PEM block. */
export const pemToDer = (pem: string): Buffer => {
  const body = /-----BEGIN [^-]+-----([\s\S]*?)-----END /.exec(pem)?.[1];
  if (body === undefined) throw new Error('not a PEM block');
  return Buffer.from(body.replace(/\s+/g, ''), 'base64');
};

/** A PEM block as forge and OpenSSL write it: 64-character base64 lines, \n line ends. */
export const derToPem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END ${label}-----\n`;
