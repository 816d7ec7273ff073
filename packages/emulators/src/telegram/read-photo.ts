/**
 * What sendPhoto can make of an upload. Telegram decodes the picture and answers
 * `IMAGE_PROCESS_FAILED` when it cannot; it takes the common still-image formats (JPEG, PNG, GIF,
 * BMP, TIFF, WebP). The emulator recognises them by their signature and reads the size of JPEG, PNG,
 * GIF and BMP; a JPEG or PNG must be whole (up to its end marker), since a cut-off one does not decode.
 */
export type ReadPhoto = { readonly width: number; readonly height: number } | { readonly width?: undefined; readonly height?: undefined };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** The photo's size (when its format carries one where the emulator reads it), or undefined when the bytes are no picture Telegram takes. */
export function readPhoto(data: Buffer): ReadPhoto | undefined {
  if (startsWith(data, PNG_SIGNATURE)) return pngSize(data);
  if (data[0] === 0xff && data[1] === 0xd8) return jpegSize(data);
  if (data.length >= 10 && /^GIF8[79]a$/.test(data.toString('latin1', 0, 6))) return positive(data.readUInt16LE(6), data.readUInt16LE(8));
  if (data.length >= 26 && data.toString('latin1', 0, 2) === 'BM') return positive(Math.abs(data.readInt32LE(18)), Math.abs(data.readInt32LE(22)));
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return {};
  if (['II*\0', 'MM\0*'].includes(data.toString('latin1', 0, 4))) return {};
  return undefined;
}

function pngSize(data: Buffer): ReadPhoto | undefined {
  if (data.length < 33 || data.toString('latin1', 12, 16) !== 'IHDR' || !data.subarray(-PNG_END.length).equals(PNG_END)) return undefined;
  return positive(data.readUInt32BE(16), data.readUInt32BE(20));
}

/** Walks the JPEG segments to the first start-of-frame marker, which holds the size; the file must end with EOI. */
function jpegSize(data: Buffer): ReadPhoto | undefined {
  if (data[data.length - 2] !== 0xff || data[data.length - 1] !== 0xd9) return undefined;
  let offset = 2;
  while (offset + 4 <= data.length) {
    if (data[offset] !== 0xff) return undefined;
    const marker = data[offset + 1] as number;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2; // markers without a length
      continue;
    }
    const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isStartOfFrame) return offset + 9 <= data.length ? positive(data.readUInt16BE(offset + 7), data.readUInt16BE(offset + 5)) : undefined;
    offset += 2 + data.readUInt16BE(offset + 2);
  }
  return undefined;
}

function positive(width: number, height: number): ReadPhoto | undefined {
  return width > 0 && height > 0 ? { width, height } : undefined;
}

function startsWith(data: Buffer, prefix: Buffer): boolean {
  return data.length >= prefix.length && data.subarray(0, prefix.length).equals(prefix);
}
