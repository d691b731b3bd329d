// tfjs activation names as ONNX nodes. Each works on a value in either layout, except softmax, which is
// taken over the tfjs last axis and so runs on the channels-last form.
import type { GraphBuilder, Layout, Value } from './graph-builder.js';

export const SUPPORTED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'hardSigmoid', 'swish', 'mish'] as const;

/** Applies `activation` to the value named `x` (in `layout`); returns the output value. */
export function applyActivation(g: GraphBuilder, x: string, layout: Layout, shape: (number | null)[], activation: unknown, base: string, where: string): Value {
  // model.json spells some names the Keras way (hard_sigmoid); the tfjs API spells them hardSigmoid.
  const a = activation === 'hard_sigmoid' ? 'hardSigmoid' : activation ?? 'linear';
  const out = (name: string, l: Layout = layout): Value => ({ shape, forms: { [l]: name } });
  switch (a) {
    case 'linear': return out(x);
    case 'relu': return out(g.node('Relu', [x], `${base}/relu`));
    case 'relu6': return out(g.node('Clip', [x, g.floatTensor(`${base}/clip_min`, [], Float32Array.of(0)), g.floatTensor(`${base}/clip_max`, [], Float32Array.of(6))], `${base}/relu6`));
    case 'sigmoid': return out(g.node('Sigmoid', [x], `${base}/sigmoid`));
    case 'tanh': return out(g.node('Tanh', [x], `${base}/tanh`));
    case 'elu': return out(g.node('Elu', [x], `${base}/elu`, { alpha: { float: 1 } }));
    case 'selu': return out(g.node('Selu', [x], `${base}/selu`, { alpha: { float: 1.6732632423543772 }, gamma: { float: 1.0507009873554805 } }));
    case 'softplus': return out(g.node('Softplus', [x], `${base}/softplus`));
    case 'softsign': return out(g.node('Softsign', [x], `${base}/softsign`));
    case 'hardSigmoid': return out(g.node('HardSigmoid', [x], `${base}/hard_sigmoid`, { alpha: { float: 0.2 }, beta: { float: 0.5 } }));
    case 'swish': return out(g.node('Mul', [x, g.node('Sigmoid', [x], `${base}/swish_gate`)], `${base}/swish`));
    case 'mish': {
      const t = g.node('Tanh', [g.node('Softplus', [x], `${base}/mish_softplus`)], `${base}/mish_tanh`);
      return out(g.node('Mul', [x, t], `${base}/mish`));
    }
    case 'softmax': {
      const v: Value = { shape, forms: { [layout]: x } };
      const last = g.as(v, 'nhwc');
      // Softmax over the last axis behaves the same in every opset (before 13 it flattened from `axis` on).
      return out(g.node('Softmax', [last], `${base}/softmax`, { axis: shape.length - 1 }), 'nhwc');
    }
    default:
      throw new Error(`${where}: unsupported activation ${JSON.stringify(a)} (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`);
  }
}
