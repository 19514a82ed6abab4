/**
 * The PKCS#12 KDF's inner loop — SHA-1 applied thousands of times to a 20-byte value — as one small
 * WebAssembly function, written out below instruction by instruction (no toolchain, no binary blob):
 * the 80 steps unrolled with the working variables renamed instead of moved, the message schedule in
 * locals, and everything that is the same in every round (the padding words, W[5..15]) folded into
 * constants before the code is written. i32.rotl is one instruction, and there are no bounds checks.
 * About twice as fast as the JavaScript loop it replaced (per SHA-1, Node 24: 0.10 vs 0.19 µs; Node 20:
 * 0.08 vs 0.17). Checked against node:crypto's SHA-1 in test/certs/pkcs12.test.ts.
 */

const IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0].map((x) => x | 0);
const K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6].map((x) => x | 0);

const op = {
  block: 0x02,
  loop: 0x03,
  brIf: 0x0d,
  br: 0x0c,
  end: 0x0b,
  get: 0x20,
  set: 0x21,
  load: 0x28,
  store: 0x36,
  const: 0x41,
  eqz: 0x45,
  add: 0x6a,
  sub: 0x6b,
  and: 0x71,
  or: 0x72,
  xor: 0x73,
  rotl: 0x77,
} as const;

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
};
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (text: string) => [...uleb(text.length), ...Buffer.from(text, 'latin1')];

/** A schedule word: a constant, or an expression (code leaving one i32 on the stack). */
type Word = { constant: number } | { code: number[] };

/** The function body: `iterate(times)` over the five words at memory[0..20). */
function body(): number[] {
  // Locals: 0 = times (the parameter), 1..5 = h0..h4, 6..10 = the working variables, 11.. = W words.
  let locals = 11;
  const code: number[] = [];
  const get = (local: number) => [op.get, ...uleb(local)];
  const set = (local: number) => [op.set, ...uleb(local)];
  const i32 = (n: number) => [op.const, ...sleb(n | 0)];

  for (let i = 0; i < 5; i += 1) code.push(...i32(0), op.load, 2, i * 4, ...set(1 + i));
  code.push(op.block, 0x40, op.loop, 0x40);
  code.push(...get(0), op.eqz, op.brIf, 1);

  // W[0..4] are the last digest, W[5] the pad bit, W[15] the length (160 bits), the rest zero; from
  // W[16] on each word is rotl1 of four earlier ones, folded where they are constant, else a local
  // computed right before the step that uses it (so at most 16 are live at once).
  const w: Word[] = [];
  for (let i = 0; i < 5; i += 1) w.push({ code: get(1 + i) });
  for (let i = 5; i < 16; i += 1) w.push({ constant: i === 5 ? 0x80000000 | 0 : i === 15 ? 160 : 0 });
  const schedule = (i: number): void => {
    const terms = [w[i - 3]!, w[i - 8]!, w[i - 14]!, w[i - 16]!];
    let folded = 0;
    const variable: number[][] = [];
    for (const t of terms) {
      if ('constant' in t) folded ^= t.constant;
      else variable.push(t.code);
    }
    if (!variable.length) {
      w.push({ constant: (folded << 1) | (folded >>> 31) });
      return;
    }
    code.push(...variable[0]!);
    for (const v of variable.slice(1)) code.push(...v, op.xor);
    if (folded) code.push(...i32(folded), op.xor);
    code.push(...i32(1), op.rotl);
    const local = locals++;
    code.push(...set(local));
    w.push({ code: get(local) });
  };

  // The 80 steps. Names rotate instead of values: after a step, e is the old d, ..., a the new value.
  let [a, b, c, d, e] = [6, 7, 8, 9, 10];
  for (let i = 0; i < 5; i += 1) code.push(...i32(IV[i]!), ...set(6 + i));
  for (let i = 0; i < 80; i += 1) {
    if (i >= 16) schedule(i);
    const round = Math.floor(i / 20);
    code.push(...get(a!), ...i32(5), op.rotl);
    if (round === 0) {
      // d ^ (b & (c ^ d))
      code.push(...get(d!), ...get(b!), ...get(c!), ...get(d!), op.xor, op.and, op.xor);
    } else if (round === 2) {
      // (b & c) | (d & (b | c))
      code.push(...get(b!), ...get(c!), op.and, ...get(d!), ...get(b!), ...get(c!), op.or, op.and, op.or);
    } else {
      code.push(...get(b!), ...get(c!), op.xor, ...get(d!), op.xor);
    }
    code.push(op.add, ...get(e!), op.add);
    const word = w[i]!;
    const k = 'constant' in word ? (K[round]! + word.constant) | 0 : K[round]!;
    code.push(...i32(k), op.add);
    if (!('constant' in word)) code.push(...word.code, op.add);
    // The new a goes into e's local (e is dead after this step); b becomes rotl30(b) in place.
    code.push(...set(e!));
    code.push(...get(b!), ...i32(30), op.rotl, ...set(b!));
    [a, b, c, d, e] = [e, a, b, c, d];
  }
  const finals = [a!, b!, c!, d!, e!];
  for (let i = 0; i < 5; i += 1) code.push(...i32(IV[i]!), ...get(finals[i]!), op.add, ...set(1 + i));
  code.push(...get(0), ...i32(1), op.sub, ...set(0), op.br, 0, op.end, op.end);
  for (let i = 0; i < 5; i += 1) code.push(...i32(0), ...get(1 + i), op.store, 2, i * 4);
  code.push(op.end);
  const declared = vector([[...uleb(locals - 1), 0x7f]]); // locals - 1 i32s beside the parameter
  return [...uleb(declared.length + code.length), ...declared, ...code];
}

function module(): Uint8Array {
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, 1, 0x7f, 0]])), // type: (i32) -> ()
    ...section(3, vector([[0]])), // one function of that type
    ...section(5, vector([[0x00, 1]])), // one page of memory
    ...section(
      7,
      vector([
        [...name('iterate'), 0x00, 0],
        [...name('memory'), 0x02, 0],
      ]),
    ),
    ...section(10, vector([body()])),
  ];
  return Uint8Array.from(bytes);
}

/** The little of the WebAssembly API used here (the project's lib is ES2023 without the DOM's types). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => {
    exports: { iterate: (times: number) => void; memory: { buffer: ArrayBuffer } };
  };
};

const { exports } = new WebAssembly.Instance(new WebAssembly.Module(module()));
const iterate = exports.iterate;
const words = new Int32Array(exports.memory.buffer, 0, 5);

/** SHA-1 applied `times` times to a 20-byte value (each round hashes the last 20-byte digest). */
export function iterateSha1(digest: Buffer, times: number): Buffer {
  for (let i = 0; i < 5; i += 1) words[i] = digest.readInt32BE(i * 4);
  iterate(times);
  const out = Buffer.alloc(20);
  for (let i = 0; i < 5; i += 1) out.writeInt32BE(words[i]!, i * 4);
  return out;
}
