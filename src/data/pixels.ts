// The one input scaling of the project: uint8 pixel / 255 as float32 in [0, 1].
// Division, not multiplication by 1/255, so every stage produces bit-identical inputs.
export function scalePixels(src: Uint8Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  for (let i = 0; i < src.length; i++) out[i] = src[i]! / 255;
  return out;
}
