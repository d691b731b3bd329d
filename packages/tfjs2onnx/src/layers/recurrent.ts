// LSTM, GRU, SimpleRNN (also as RNN with one such cell) and Bidirectional: the ONNX LSTM / GRU / RNN
// operators. tfjs kernels are [input, gates * units] with gates i, f, c, o (LSTM) or z, r, h (GRU);
// ONNX wants [gates * units, input] with gates i, o, f, c (LSTM) or z, r, h (GRU), the input bias in Wb and
// zeros in Rb (a tfjs GRU has reset_after = false: ONNX linear_before_reset = 0).
// go_backwards runs forward over the reversed sequence, which gives tfjs's output order; Bidirectional is
// ONNX's bidirectional direction (tfjs re-reverses the backward sequence output, as ONNX indexes it).
import type { Value } from '../onnx/graph-builder.js';
import { LayerContext, type LayerConverter, type Weight } from '../layer-context.js';

type Kind = 'LSTM' | 'GRU' | 'SimpleRNN';
const GATES: Record<Kind, number> = { LSTM: 4, GRU: 3, SimpleRNN: 1 };
/** For each ONNX gate, the tfjs gate it is. */
const GATE_ORDER: Record<Kind, number[]> = { LSTM: [0, 3, 1, 2], GRU: [0, 1, 2], SimpleRNN: [0] };
const CELL_KINDS: Record<string, Kind> = { LSTMCell: 'LSTM', GRUCell: 'GRU', SimpleRNNCell: 'SimpleRNN' };

/** ONNX RNN activation names with their alpha and beta (tfjs's hard sigmoid is 0.2 x + 0.5, clipped). */
const RNN_ACTIVATIONS: Record<string, [string, number, number]> = {
  tanh: ['Tanh', 0, 0],
  sigmoid: ['Sigmoid', 0, 0],
  hard_sigmoid: ['HardSigmoid', 0.2, 0.5],
  hardSigmoid: ['HardSigmoid', 0.2, 0.5],
  relu: ['Relu', 0, 0],
  linear: ['Affine', 1, 0],
  softsign: ['Softsign', 0, 0],
  softplus: ['Softplus', 0, 0],
  elu: ['Elu', 1, 0],
};

interface RnnWeights {
  kernel: Weight;
  recurrent: Weight;
  bias?: Weight;
}

/** [input, G * units] in tfjs gate order -> [G * units, input] in ONNX gate order. */
function gateMajor(w: Weight, kind: Kind, units: number): Float32Array {
  const [rows, cols] = w.shape as [number, number];
  const out = new Float32Array(rows * cols);
  GATE_ORDER[kind].forEach((tfGate, onnxGate) => {
    for (let j = 0; j < units; j++)
      for (let r = 0; r < rows; r++) out[(onnxGate * units + j) * rows + r] = w.data[r * cols + tfGate * units + j]!;
  });
  return out;
}

function reorderBias(b: Float32Array, kind: Kind, units: number): Float32Array {
  const out = new Float32Array(b.length);
  GATE_ORDER[kind].forEach((tfGate, onnxGate) =>
    out.set(b.subarray(tfGate * units, (tfGate + 1) * units), onnxGate * units),
  );
  return out;
}

function readWeights(
  ctx: LayerContext,
  prefix: string,
  kind: Kind,
  inFeatures: number,
  units: number,
  useBias: boolean,
): RnnWeights {
  const G = GATES[kind];
  return {
    kernel: ctx.weight(`${prefix}kernel`, [inFeatures, G * units]),
    recurrent: ctx.weight(`${prefix}recurrent_kernel`, [units, G * units]),
    ...(useBias ? { bias: ctx.weight(`${prefix}bias`, [G * units]) } : {}),
  };
}

function activations(
  ctx: LayerContext,
  kind: Kind,
  config: Record<string, unknown>,
  dirs: number,
): Record<string, { strings: string[] } | { floats: number[] }> {
  const pick = (key: string, fallback: string) => {
    const name = String(config[key] ?? fallback);
    return RNN_ACTIVATIONS[name] ?? ctx.unsupported(key, config[key]);
  };
  const act = pick('activation', 'tanh');
  const list =
    kind === 'SimpleRNN'
      ? [act]
      : kind === 'GRU'
        ? [pick('recurrent_activation', 'hard_sigmoid'), act]
        : [pick('recurrent_activation', 'hard_sigmoid'), act, act];
  const all = new Array<[string, number, number]>(dirs).fill(list[0]!).flatMap(() => list);
  // Alpha and beta only for the functions that take them, in order (how onnxruntime reads them).
  const takes = all.filter((a) => a[0] === 'HardSigmoid' || a[0] === 'Affine' || a[0] === 'Elu');
  const ab: Record<string, { floats: number[] }> = takes.length
    ? { activation_alpha: { floats: takes.map((a) => a[1]) }, activation_beta: { floats: takes.map((a) => a[2]) } }
    : {};
  return { activations: { strings: all.map((a) => a[0]) }, ...ab };
}

interface RnnResult {
  sequence: string;
  last: string;
  states: string[];
}

/**
 * Runs the ONNX recurrent op over `input` ([batch, time, features], channels-last). Returns the sequence
 * output [batch, time, dirs * units], the last output [batch, dirs * units] and the final states.
 */
function runRecurrent(
  ctx: LayerContext,
  kind: Kind,
  config: Record<string, unknown>,
  input: Value,
  dirWeights: RnnWeights[],
  reverse: boolean,
  initial: Value[],
): RnnResult & { units: number; time: number } {
  const g = ctx.g;
  const units = config.units as number;
  const [, time] = input.shape as [null, number, number];
  const dirs = dirWeights.length;
  if (config.stateful === true) return ctx.unsupported('stateful', true);
  if (input.masked)
    ctx.fail('reads a masked sequence (Masking or Embedding with mask_zero); masked time steps are not supported');
  let x = g.node('Transpose', [g.as(input, 'nhwc')], ctx.name('time_major'), { perm: [1, 0, 2] });
  if (reverse) {
    x = g.node(
      'Slice',
      [
        x,
        g.int64Tensor(ctx.name('rev_begin'), [-1]),
        g.int64Tensor(ctx.name('rev_end'), [-time - 1]),
        g.int64Tensor(ctx.name('rev_axes'), [0]),
        g.int64Tensor(ctx.name('rev_steps'), [-1]),
      ],
      ctx.name('reversed'),
    );
  }
  const G = GATES[kind];
  const cat = (parts: Float32Array[]) => {
    const o = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let k = 0;
    for (const p of parts) {
      o.set(p, k);
      k += p.length;
    }
    return o;
  };
  const inFeatures = dirWeights[0]!.kernel.shape[0]!;
  const W = g.floatTensor(
    ctx.name('W'),
    [dirs, G * units, inFeatures],
    cat(dirWeights.map((w) => gateMajor(w.kernel, kind, units))),
  );
  const R = g.floatTensor(
    ctx.name('R'),
    [dirs, G * units, units],
    cat(dirWeights.map((w) => gateMajor(w.recurrent, kind, units))),
  );
  const B = g.floatTensor(
    ctx.name('B'),
    [dirs, 2 * G * units],
    cat(
      dirWeights.flatMap((w) => [
        w.bias ? reorderBias(w.bias.data, kind, units) : new Float32Array(G * units),
        new Float32Array(G * units),
      ]),
    ),
  );
  const stateShape = (v: Value, i: number) =>
    g.node(
      'Reshape',
      [g.as(v, 'nhwc'), g.int64Tensor(ctx.name(`state${i}_shape`), [1, -1, units])],
      ctx.name(`initial${i}`),
    );
  const inits = initial.map(stateShape);
  const inputs = [x, W, R, B, '', ...inits];
  const attrs = {
    hidden_size: units,
    direction: dirs === 2 ? 'bidirectional' : 'forward',
    ...activations(ctx, kind, config, dirs),
    ...(kind === 'GRU' ? { linear_before_reset: 0 } : {}),
  };
  const outs = g.nodeOutputs(
    kind === 'SimpleRNN' ? 'RNN' : kind,
    inputs.length === 5 ? inputs.slice(0, 4) : inputs,
    kind === 'LSTM' ? [ctx.name('Y'), ctx.name('Y_h'), ctx.name('Y_c')] : [ctx.name('Y'), ctx.name('Y_h')],
    attrs,
  );
  // Y [time, dirs, batch, units] -> [batch, time, dirs * units]; Y_h [dirs, batch, units] -> [batch, dirs * units].
  const seq = g.node(
    'Reshape',
    [
      g.node('Transpose', [outs[0]!], ctx.name('batch_major'), { perm: [2, 0, 1, 3] }),
      g.int64Tensor(ctx.name('seq_shape'), [-1, time, dirs * units]),
    ],
    ctx.name('sequence'),
  );
  const lastOf = (v: string, i: number) =>
    dirs === 1
      ? g.node('Reshape', [v, g.int64Tensor(ctx.name(`last${i}_shape`), [-1, units])], ctx.name(`last${i}`))
      : g.node(
          'Reshape',
          [
            g.node('Transpose', [v], ctx.name(`last${i}_t`), { perm: [1, 0, 2] }),
            g.int64Tensor(ctx.name(`last${i}_shape`), [-1, dirs * units]),
          ],
          ctx.name(`last${i}`),
        );
  const last = lastOf(outs[1]!, 0);
  const states = kind === 'LSTM' ? [last, lastOf(outs[2]!, 1)] : [last];
  return { sequence: seq, last, states, units, time };
}

function recurrentLayer(fixedKind?: Kind): LayerConverter {
  return (ctx) => {
    let kind = fixedKind,
      config = ctx.config;
    if (!kind) {
      // RNN with a single LSTM / GRU / SimpleRNN cell is that layer.
      const cell = ctx.config.cell as { class_name?: string; config?: Record<string, unknown> } | undefined;
      kind = cell?.class_name ? CELL_KINDS[cell.class_name] : undefined;
      if (!kind || !cell?.config) return ctx.unsupported('cell', cell?.class_name ?? cell);
      config = {
        ...cell.config,
        ...Object.fromEntries(
          ['return_sequences', 'return_state', 'go_backwards', 'stateful'].map((k) => [k, ctx.config[k]]),
        ),
      };
    }
    const x = ctx.inputs[0]!;
    if (x.shape.length !== 3 || typeof x.shape[2] !== 'number')
      return ctx.fail(`needs a [batch, time, features] input, got [${x.shape.join(', ')}]`);
    const nStates = kind === 'LSTM' ? 2 : 1;
    const initial = ctx.inputs.slice(1);
    if (initial.length !== 0 && initial.length !== nStates)
      return ctx.fail(`takes ${nStates} initial states, got ${initial.length}`);
    const units = config.units as number;
    const w = readWeights(ctx, '', kind, x.shape[2], units, config.use_bias !== false);
    const r = runRecurrent(ctx, kind, config, x, [w], config.go_backwards === true, initial);
    const out: Value =
      config.return_sequences === true
        ? { shape: [null, r.time, units], forms: { nhwc: r.sequence } }
        : { shape: [null, units], forms: { nhwc: r.last } };
    if (config.return_state === true)
      ctx.extraOutputs = r.states.map((s) => ({ shape: [null, units], forms: { nhwc: s } }));
    return out;
  };
}

export const lstm = recurrentLayer('LSTM');
export const gru = recurrentLayer('GRU');
export const simpleRnn = recurrentLayer('SimpleRNN');
export const rnn = recurrentLayer();

export const bidirectional: LayerConverter = (ctx) => {
  const inner = ctx.config.layer as { class_name?: string; config?: Record<string, unknown> } | undefined;
  const kind =
    inner?.class_name === 'LSTM' || inner?.class_name === 'GRU' || inner?.class_name === 'SimpleRNN'
      ? inner.class_name
      : undefined;
  if (!kind || !inner?.config) return ctx.unsupported('layer', inner?.class_name ?? inner);
  const config = inner.config;
  if (config.go_backwards === true) return ctx.unsupported('layer.go_backwards', true);
  if (config.return_state === true) return ctx.unsupported('layer.return_state', true);
  if (ctx.inputs.length !== 1) return ctx.fail('with initial states is not supported');
  const x = ctx.input;
  if (x.shape.length !== 3 || typeof x.shape[2] !== 'number')
    return ctx.fail(`needs a [batch, time, features] input, got [${x.shape.join(', ')}]`);
  const units = config.units as number,
    name = String(config.name);
  const useBias = config.use_bias !== false;
  const dirs = [
    readWeights(ctx, `forward_${name}/`, kind, x.shape[2], units, useBias),
    readWeights(ctx, `backward_${name}/`, kind, x.shape[2], units, useBias),
  ];
  const r = runRecurrent(ctx, kind, config, x, dirs, false, []);
  const seq = config.return_sequences === true;
  const mode = ctx.config.merge_mode === undefined ? 'concat' : ctx.config.merge_mode;
  const g = ctx.g;
  const base = seq ? r.sequence : r.last;
  const shape = (n: number) => (seq ? [null, r.time, n] : [null, n]);
  if (mode === 'concat') return { shape: shape(2 * units), forms: { nhwc: base } };
  // The two directions side by side in the last axis: split them with a Slice each.
  const half = (i: number) =>
    g.node(
      'Slice',
      [
        base,
        g.int64Tensor(ctx.name(`dir${i}_begin`), [i * units]),
        g.int64Tensor(ctx.name(`dir${i}_end`), [(i + 1) * units]),
        g.int64Tensor(ctx.name(`dir${i}_axes`), [seq ? 2 : 1]),
      ],
      ctx.name(`dir${i}`),
    );
  const [f, b] = [half(0), half(1)];
  const one = (y: string): Value => ({ shape: shape(units), forms: { nhwc: y } });
  if (mode === null) {
    ctx.extraOutputs = [one(b)];
    return one(f);
  }
  if (mode === 'sum') return one(g.node('Add', [f, b], ctx.name('sum')));
  if (mode === 'mul') return one(g.node('Mul', [f, b], ctx.name('mul')));
  if (mode === 'ave')
    return one(
      g.node(
        'Mul',
        [g.node('Add', [f, b], ctx.name('sum')), g.floatTensor(ctx.name('half'), [], Float32Array.of(0.5))],
        ctx.name('ave'),
      ),
    );
  return ctx.unsupported('merge_mode', mode);
};
