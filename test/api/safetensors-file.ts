/** Reads and writes safetensors bytes independently of the library, to inspect and to corrupt files. */

export interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsFile {
  /** The header length as stored in the first 8 bytes. */
  headerLength: number;
  header: Record<string, unknown>;
  /** The bytes after the header. */
  data: Uint8Array;
}

export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const text = Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8');
  return { headerLength, header: JSON.parse(text) as Record<string, unknown>, data: bytes.subarray(8 + headerLength) };
}

/** A file with this header (padded with spaces to a multiple of 8 bytes) and data. */
export function buildSafetensors(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = JSON.stringify(header);
  return withHeaderText(json + ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8), data);
}

/** A file whose header bytes are exactly `text` (need not be JSON). */
export function withHeaderText(text: string, data: Uint8Array): Uint8Array {
  const header = Buffer.from(text, 'utf8');
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

export function tensorOf(file: SafetensorsFile, name: string): { entry: TensorEntry; values: Float32Array } {
  const entry = file.header[name] as TensorEntry;
  const [begin, end] = entry.data_offsets;
  const view = new DataView(file.data.buffer, file.data.byteOffset + begin, end - begin);
  const values = new Float32Array((end - begin) / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(4 * i, true);
  return { entry, values };
}
