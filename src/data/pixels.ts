// The one image normalisation of the project, shared by every stage and the web page (no Node imports here):
//   scaling: uint8 pixel / 255 as float32 in [0, 1];
//   colour to grey: ITU-R 601 luma, 0.299 R + 0.587 G + 0.114 B;
//   polarity: Fashion-MNIST is light on dark, so an image whose border is on average lighter than
//   half scale (a photo or drawing, dark on light) is inverted.

// Division, not multiplication by 1/255, so every stage produces bit-identical inputs.
export function scalePixels(src: Uint8Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  for (let i = 0; i < src.length; i++) out[i] = src[i]! / 255;
  return out;
}

/** Grey in [0, 1] of an 8-bit RGB colour, rounded to 8 bits as an image file would store it. */
export function greyOf(r: number, g: number, b: number): number {
  return Math.round(0.299 * r + 0.587 * g + 0.114 * b) / 255;
}

/** Whether a grey image (row-major, values in [0, 1]) is dark on light: the mean of its four edges is above 0.5. */
export function isDarkOnLight(grey: ArrayLike<number>, width: number, height: number): boolean {
  let sum = 0,
    n = 0;
  for (let x = 0; x < width; x++) {
    sum += grey[x]! + grey[(height - 1) * width + x]!;
    n += 2;
  }
  for (let y = 1; y < height - 1; y++) {
    sum += grey[y * width]! + grey[y * width + width - 1]!;
    n += 2;
  }
  return sum / n > 0.5;
}
