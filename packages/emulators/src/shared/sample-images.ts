import { deflateSync } from 'node:zlib';

/**
 * Small but complete images of any size, for playing customers and agents who send pictures: a
 * Telegram or Discord client would only ever send real ones. Both are grayscale and of one plain
 * shade, so even a large size stays a few kilobytes.
 */

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A valid PNG (1-bit grayscale, black) of `width` × `height` pixels. */
export function samplePng(width = 1, height = 1): Buffer {
  assertSize(width, height, 0x7fffffff);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, grayscale, deflate, adaptive filtering, no interlace
  // Each row: filter type 0, then one bit per pixel.
  const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8)));
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0))]);
}

/**
 * A valid baseline JPEG (grayscale, mid-gray) of `width` × `height` pixels: one 8×8 block per
 * 8 pixels square, each coded as "no change, end of block" with one-symbol Huffman tables.
 */
export function sampleJpeg(width = 8, height = 8): Buffer {
  assertSize(width, height, 0xffff);
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  // Two 1-bit codes per block, both 0; the last byte is padded with 1s, as JPEG asks.
  const bits = blocks * 2;
  const scan = Buffer.alloc(Math.ceil(bits / 8));
  if (bits % 8 !== 0) scan[scan.length - 1] = 0xff >> bits % 8;
  const frame = Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    jpegSegment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0])), // JFIF
    jpegSegment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])), // quantization table 0
    jpegSegment(0xc0, frame), // baseline frame, one component using table 0
    jpegSegment(0xc4, huffmanTable(0x00, 0)), // DC table 0: one symbol, "difference 0"
    jpegSegment(0xc4, huffmanTable(0x10, 0)), // AC table 0: one symbol, "end of block"
    jpegSegment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])), // scan of component 1 with tables 0/0
    scan,
    Buffer.from([0xff, 0xd9]),
  ]);
}

function assertSize(width: number, height: number, max: number): void {
  if (![width, height].every((side) => Number.isInteger(side) && side >= 1 && side <= max)) throw new RangeError(`width and height must be integers from 1 to ${max}`);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function jpegSegment(marker: number, data: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

/** A Huffman table with a single symbol of code length 1. */
function huffmanTable(classAndId: number, symbol: number): Buffer {
  const counts = Buffer.alloc(16);
  counts[0] = 1;
  return Buffer.concat([Buffer.from([classAndId]), counts, Buffer.from([symbol])]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
