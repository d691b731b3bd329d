// Multiply-add work of a tfjs LayersModel per input item, counted layer by layer from its shapes
// (a multiply-add counts as 2 FLOPs). Layers without weights (activations, reshapes) count as 0.
import type * as tf from '@tensorflow/tfjs';

export function flopsPerItem(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const out = layer.outputShape as number[];
    const inp = (layer.input as tf.SymbolicTensor).shape as number[];
    const ks = (layer.getConfig() as { kernelSize?: number[] | number }).kernelSize ?? 1;
    const k = Array.isArray(ks) ? ks : [ks, ks];
    if (cls === 'Dense') total += 2 * inp[inp.length - 1]! * out[out.length - 1]!;
    else if (cls === 'Conv2D') total += 2 * k[0]! * k[1]! * inp[3]! * out[3]! * out[1]! * out[2]!;
    else if (cls === 'Conv2DTranspose') total += 2 * k[0]! * k[1]! * inp[3]! * out[3]! * inp[1]! * inp[2]!;
  }
  return total;
}
