// Completeness checks for image files before decoding: the canvas decoder accepts a PNG or JPEG cut
// short (even one cut to its header) and returns a partly or wholly blank picture, which would then be
// encoded as if it were real. Structure only: PNG chunks up to IEND, JPEG start and end markers.

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Throws a one-line reason when `bytes` is an empty, truncated or chunk-broken PNG, or a truncated JPEG. */
export function checkImageComplete(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new Error('the file is empty');
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) checkPng(bytes);
  else if (bytes[0] === 0xff && bytes[1] === 0xd8) checkJpeg(bytes);
}

function checkPng(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = PNG_SIGNATURE.length, idat = 0;
  for (let index = 0; ; index++) {
    if (offset + 8 > bytes.length) throw new Error(`truncated PNG: ends after ${bytes.length} bytes, before its IEND chunk`);
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (index === 0 && type !== 'IHDR') throw new Error(`corrupt PNG: the first chunk is "${type}", not IHDR`);
    if (offset + 12 + length > bytes.length) throw new Error(`truncated PNG: its ${type} chunk needs ${length} bytes, the file ends first`);
    if (type === 'IDAT') idat++;
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (idat === 0) throw new Error('corrupt PNG: no image data (IDAT) chunk');
}

function checkJpeg(bytes: Uint8Array): void {
  // Trailing bytes after the end-of-image marker are common and harmless; a missing marker is not.
  for (let i = bytes.length - 2; i >= 2; i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return;
  throw new Error('truncated JPEG: no end-of-image marker');
}
