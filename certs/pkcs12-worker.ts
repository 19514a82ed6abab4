/** A piscina worker: builds one PKCS#12 (forge's 3DES and PKCS#12 KDF, pure JavaScript) off the main thread. */
import { toPkcs12, type Pkcs12Input } from './pkcs12.js';

export default function build(input: Pkcs12Input): Uint8Array {
  return toPkcs12(input);
}
