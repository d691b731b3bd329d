// tfjs activation names as ONNX nodes. Each works on a value in either layout, except softmax, which is
// taken over the tfjs last axis and so runs on the channels-last form.
import type { GraphBuilder, Layout, Value } from './onnx/graph-builder.js';

export const SUPPORTED_ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'tanh',
  'softmax',
  'elu',
  'selu',
  'softplus',
  'softsign',
  'hardSigmoid',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
  'logSoftmax',
] as const;

/** Applies `activation` to the value named `x` (in `layout`); returns the output value. */
export function applyActivation(
  g: GraphBuilder,
  x: string,
  layout: Layout,
  shape: (number | null)[],
  activation: unknown,
  base: string,
  where: string,
): Value {
  // model.json spells some names the Keras way (hard_sigmoid); the tfjs API spells them hardSigmoid.
  const a =
    activation === 'hard_sigmoid'
      ? 'hardSigmoid'
      : activation === 'log_softmax'
        ? 'logSoftmax'
        : (activation ?? 'linear');
  const out = (name: string, l: Layout = layout): Value => ({ shape, forms: { [l]: name } });
  switch (a) {
    case 'linear':
      return out(x);
    case 'relu':
      return out(g.node('Relu', [x], `${base}/relu`));
    case 'relu6':
      return out(
        g.node(
          'Clip',
          [
            x,
            g.floatTensor(`${base}/clip_min`, [], Float32Array.of(0)),
            g.floatTensor(`${base}/clip_max`, [], Float32Array.of(6)),
          ],
          `${base}/relu6`,
        ),
      );
    case 'sigmoid':
      return out(g.node('Sigmoid', [x], `${base}/sigmoid`));
    case 'tanh':
      return out(g.node('Tanh', [x], `${base}/tanh`));
    case 'elu':
      return out(g.node('Elu', [x], `${base}/elu`, { alpha: { float: 1 } }));
    case 'selu':
      return out(
        g.node('Selu', [x], `${base}/selu`, {
          alpha: { float: 1.6732632423543772 },
          gamma: { float: 1.0507009873554805 },
        }),
      );
    case 'softplus':
      return out(g.node('Softplus', [x], `${base}/softplus`));
    case 'softsign':
      return out(g.node('Softsign', [x], `${base}/softsign`));
    case 'hardSigmoid':
      return out(g.node('HardSigmoid', [x], `${base}/hard_sigmoid`, { alpha: { float: 0.2 }, beta: { float: 0.5 } }));
    case 'swish':
      return out(g.node('Mul', [x, g.node('Sigmoid', [x], `${base}/swish_gate`)], `${base}/swish`));
    case 'mish': {
      const t = g.node('Tanh', [g.node('Softplus', [x], `${base}/mish_softplus`)], `${base}/mish_tanh`);
      return out(g.node('Mul', [x, t], `${base}/mish`));
    }
    case 'gelu': {
      // 0.5 x (1 + erf(x / sqrt 2)), as tfjs computes it (ONNX's Gelu operator exists only from opset 20).
      const e = g.node(
        'Erf',
        [
          g.node(
            'Mul',
            [x, g.floatTensor(`${base}/inv_sqrt2`, [], Float32Array.of(Math.SQRT1_2))],
            `${base}/gelu_scaled`,
          ),
        ],
        `${base}/gelu_erf`,
      );
      const cdf = g.node(
        'Mul',
        [
          g.node('Add', [e, g.floatTensor(`${base}/one`, [], Float32Array.of(1))], `${base}/gelu_1p`),
          g.floatTensor(`${base}/half`, [], Float32Array.of(0.5)),
        ],
        `${base}/gelu_cdf`,
      );
      return out(g.node('Mul', [x, cdf], `${base}/gelu`));
    }
    case 'gelu_new': {
      // The tanh approximation: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
      const cube = g.node('Mul', [g.node('Mul', [x, x], `${base}/gelu_sq`), x], `${base}/gelu_cube`);
      const inner = g.node(
        'Add',
        [x, g.node('Mul', [cube, g.floatTensor(`${base}/c`, [], Float32Array.of(0.044715))], `${base}/gelu_c3`)],
        `${base}/gelu_inner`,
      );
      const t = g.node(
        'Tanh',
        [
          g.node(
            'Mul',
            [inner, g.floatTensor(`${base}/k`, [], Float32Array.of(Math.sqrt(2 / Math.PI)))],
            `${base}/gelu_k`,
          ),
        ],
        `${base}/gelu_tanh`,
      );
      const cdf = g.node(
        'Mul',
        [
          g.node('Add', [t, g.floatTensor(`${base}/one`, [], Float32Array.of(1))], `${base}/gelu_1p`),
          g.floatTensor(`${base}/half`, [], Float32Array.of(0.5)),
        ],
        `${base}/gelu_cdf`,
      );
      return out(g.node('Mul', [x, cdf], `${base}/gelu_new`));
    }
    case 'logSoftmax': {
      const last = g.as({ shape, forms: { [layout]: x } }, 'nhwc');
      return out(g.node('LogSoftmax', [last], `${base}/log_softmax`, { axis: shape.length - 1 }), 'nhwc');
    }
    case 'softmax': {
      const v: Value = { shape, forms: { [layout]: x } };
      const last = g.as(v, 'nhwc');
      // Softmax over the last axis behaves the same in every opset (before 13 it flattened from `axis` on).
      return out(g.node('Softmax', [last], `${base}/softmax`, { axis: shape.length - 1 }), 'nhwc');
    }
    default:
      throw new Error(
        `${where}: unsupported activation ${JSON.stringify(a)} (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`,
      );
  }
}
