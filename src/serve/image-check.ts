// Checks on image files before decoding. Completeness: the canvas decoder accepts a PNG or JPEG cut
// short (even one cut to its header) and returns a partly or wholly blank picture, which would then be
// encoded as if it were real; checked by structure (PNG chunks up to IEND, JPEG end marker). Size: the
// decoded picture takes 4 bytes per pixel, so its dimensions (from the PNG header or JPEG frame) are
// bounded by IMAGE_LIMITS before any decoding.

/** The largest input picture decoded: per side, and in all (2^26 pixels: 256 MB decoded). */
export const IMAGE_LIMITS = { maxSide: 16384, maxPixels: 2 ** 26 } as const;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Throws a one-line reason when `bytes` is an empty, truncated or chunk-broken PNG, a truncated JPEG, or a picture over IMAGE_LIMITS. */
export function checkImageComplete(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new Error('the file is empty');
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) checkPng(bytes);
  else if (bytes[0] === 0xff && bytes[1] === 0xd8) checkJpeg(bytes);
}

function checkPng(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = PNG_SIGNATURE.length,
    idat = 0;
  for (let index = 0; ; index++) {
    if (offset + 8 > bytes.length)
      throw new Error(`truncated PNG: ends after ${bytes.length} bytes, before its IEND chunk`);
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (index === 0 && type !== 'IHDR') throw new Error(`corrupt PNG: the first chunk is "${type}", not IHDR`);
    if (index === 0 && length >= 8) checkSize(view.getUint32(offset + 8), view.getUint32(offset + 12));
    if (offset + 12 + length > bytes.length)
      throw new Error(`truncated PNG: its ${type} chunk needs ${length} bytes, the file ends first`);
    if (type === 'IDAT') idat++;
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (idat === 0) throw new Error('corrupt PNG: no image data (IDAT) chunk');
}

function checkJpeg(bytes: Uint8Array): void {
  // The frame header (SOF0..SOF15 except DHT, JPG and DAC) carries height then width.
  for (let i = 2; i + 9 < bytes.length && bytes[i] === 0xff;) {
    const marker = bytes[i + 1]!,
      length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      checkSize((bytes[i + 7]! << 8) | bytes[i + 8]!, (bytes[i + 5]! << 8) | bytes[i + 6]!);
      break;
    }
    i += 2 + length;
  }
  // Trailing bytes after the end-of-image marker are common and harmless; a missing marker is not.
  for (let i = bytes.length - 2; i >= 2; i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return;
  throw new Error('truncated JPEG: no end-of-image marker');
}

function checkSize(width: number, height: number): void {
  const { maxSide, maxPixels } = IMAGE_LIMITS;
  if (width > maxSide || height > maxSide || width * height > maxPixels) {
    throw new Error(
      `the picture is ${width}x${height} pixels; the limits are ${maxSide} per side and ${maxPixels / 2 ** 20}M pixels ` +
        '(IMAGE_LIMITS in src/serve/image-check.ts): scale it down first',
    );
  }
}
