// The long connection's wire format, written independently of the SDK so the fake proves the SDK's own decoder:
// protobuf `pbbp2.Frame` as @larksuiteoapi/node-sdk 1.74 declares it (lib/index.js, `pbbp2.Frame.encode`):
//   1 SeqID uint64 · 2 LogID uint64 · 3 service int32 · 4 method int32 (0 control, 1 data)
//   5 headers repeated Header{1 key string, 2 value string} · 6 payloadEncoding string · 7 payloadType string
//   8 payload bytes · 9 LogIDNew string
// Fields 1–4 are `required` in the SDK's schema: a frame without them fails to decode there, so they are always written.

export type Frame = {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: { key: string; value: string }[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
};

export const METHOD_CONTROL = 0;
export const METHOD_DATA = 1;

function varint(out: number[], value: bigint): void {
  let v = BigInt.asUintN(64, value);
  while (v > 0x7fn) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
}

function tag(out: number[], field: number, wire: number): void {
  varint(out, BigInt((field << 3) | wire));
}

function bytesField(out: number[], field: number, bytes: Uint8Array): void {
  tag(out, field, 2);
  varint(out, BigInt(bytes.length));
  for (const b of bytes) out.push(b);
}

const utf8 = new TextEncoder();

export function encodeFrame(f: Frame): Uint8Array {
  const out: number[] = [];
  tag(out, 1, 0);
  varint(out, BigInt(f.SeqID));
  tag(out, 2, 0);
  varint(out, BigInt(f.LogID));
  tag(out, 3, 0);
  varint(out, BigInt(f.service)); // int32: negative values take 10 bytes, as protobuf says
  tag(out, 4, 0);
  varint(out, BigInt(f.method));
  for (const h of f.headers) {
    const inner: number[] = [];
    bytesField(inner, 1, utf8.encode(h.key));
    bytesField(inner, 2, utf8.encode(h.value));
    bytesField(out, 5, Uint8Array.from(inner));
  }
  if (f.payloadEncoding !== undefined) bytesField(out, 6, utf8.encode(f.payloadEncoding));
  if (f.payloadType !== undefined) bytesField(out, 7, utf8.encode(f.payloadType));
  if (f.payload !== undefined) bytesField(out, 8, f.payload);
  if (f.LogIDNew !== undefined) bytesField(out, 9, utf8.encode(f.LogIDNew));
  return Uint8Array.from(out);
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  }
  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new Error('truncated field');
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.bytes();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = new TextDecoder();

/** Decodes what a client sent; throws on a frame the SDK's schema would refuse (a required field missing). */
export function decodeFrame(buf: Uint8Array): Frame {
  const r = new Reader(buf);
  const f: Partial<Frame> & { headers: Frame['headers'] } = { headers: [] };
  const seen = new Set<number>();
  while (!r.done) {
    const key = Number(r.varint());
    const field = key >> 3;
    const wire = key & 7;
    seen.add(field);
    if (field >= 1 && field <= 4 && wire === 0) {
      const v = r.varint();
      const n = field <= 2 ? Number(BigInt.asUintN(64, v)) : Number(BigInt.asIntN(32, v));
      if (field === 1) f.SeqID = n;
      else if (field === 2) f.LogID = n;
      else if (field === 3) f.service = n;
      else f.method = n;
    } else if (field === 5 && wire === 2) {
      const h = new Reader(r.bytes());
      const header = { key: '', value: '' };
      while (!h.done) {
        const k = Number(h.varint());
        if (k >> 3 === 1 && (k & 7) === 2) header.key = text.decode(h.bytes());
        else if (k >> 3 === 2 && (k & 7) === 2) header.value = text.decode(h.bytes());
        else h.skip(k & 7);
      }
      f.headers.push(header);
    } else if (field === 6 && wire === 2) f.payloadEncoding = text.decode(r.bytes());
    else if (field === 7 && wire === 2) f.payloadType = text.decode(r.bytes());
    else if (field === 8 && wire === 2) f.payload = Uint8Array.from(r.bytes());
    else if (field === 9 && wire === 2) f.LogIDNew = text.decode(r.bytes());
    else r.skip(wire);
  }
  for (const [n, name] of [
    [1, 'SeqID'],
    [2, 'LogID'],
    [3, 'service'],
    [4, 'method'],
  ] as const)
    if (!seen.has(n)) throw new Error(`missing required '${name}'`);
  return f as Frame;
}

export function header(f: Frame, key: string): string | undefined {
  return f.headers.find((h) => h.key === key)?.value;
}
