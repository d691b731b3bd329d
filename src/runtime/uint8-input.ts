// An encoder variant that takes raw uint8 pixels, built in memory from an encoder .onnx whose float input is
// pixel / 255, so that callers holding bytes (idx files, uint8 .npy) hand them straight to onnxruntime instead
// of converting each pixel in JS. The file on disk keeps its documented float interface.
//
// Its first node Casts the bytes to float32. The 1/255 then goes into the weights of the first Conv, Gemm or
// MatMul when the input reaches it only through layout nodes (W / 255 is exact algebra, and measured here an
// elementwise Div over every pixel costs about half as much again as the whole encoder); the codes then differ
// from the float path by float32 rounding only (6e-6 on the test set, inside the parity bar of 1e-4). Any other
// graph gets an explicit Div, bit-identical to the float path.
import { decodeModel, encodeModel, onnx, type OnnxTypes } from 'tfjs2onnx/onnx';

/** Name of the variant's input; the original float input becomes an inner value of the graph. */
export const UINT8_INPUT_NAME = 'pixels_uint8';

const LAYOUT_OPS = new Set(['Reshape', 'Transpose', 'Flatten', 'Identity', 'Squeeze', 'Unsqueeze']);
const LINEAR_OPS = new Set(['Conv', 'Gemm', 'MatMul']);
const FLOAT = onnx.TensorProto.DataType.FLOAT;

function floatValues(t: OnnxTypes.ITensorProto): Float32Array | null {
  if (t.dataType !== FLOAT) return null;
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData); // aligned
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return t.floatData && t.floatData.length > 0 ? Float32Array.from(t.floatData) : null;
}

/**
 * The weight initializer the scale can fold into: the input passes single-consumer layout nodes into input 0
 * of a Conv/Gemm/MatMul whose input 1 is a float initializer used nowhere else. Null when there is none.
 */
function foldTarget(graph: OnnxTypes.IGraphProto, inputName: string): OnnxTypes.ITensorProto | null {
  const nodes = graph.node ?? [];
  const consumers = (v: string) => nodes.filter((n) => (n.input ?? []).includes(v));
  let value = inputName;
  for (let depth = 0; depth < 8; depth++) {
    const users = consumers(value);
    const node = users[0];
    if (users.length !== 1 || !node || node.input?.[0] !== value || (graph.output ?? []).some((o) => o.name === value))
      return null;
    if (LAYOUT_OPS.has(node.opType ?? '')) {
      value = node.output?.[0] ?? '';
      continue;
    }
    if (!LINEAR_OPS.has(node.opType ?? '')) return null;
    const weight = node.input?.[1];
    const init = (graph.initializer ?? []).find((t) => t.name === weight);
    if (!weight || !init || consumers(weight).length !== 1 || !floatValues(init)) return null;
    return init;
  }
  return null;
}

/** Bytes of a model whose only input is uint8 with the float input's shape, scaled as pixel / 255 inside. */
export function uint8InputVariant(bytes: Uint8Array, source: string): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph;
  const initializers = new Set((graph?.initializer ?? []).map((t) => t.name));
  const inputs = (graph?.input ?? []).filter((i) => !initializers.has(i.name));
  const input = inputs[0];
  if (!graph || inputs.length !== 1 || !input?.type?.tensorType || !input.name)
    throw new Error(`${source}: a uint8 input variant needs exactly one tensor input`);
  if (input.type.tensorType.elemType !== FLOAT) throw new Error(`${source}: input "${input.name}" is not float32`);
  const nodes = graph.node ?? [];
  const taken = new Set<string>([
    ...nodes.flatMap((n) => [...(n.input ?? []), ...(n.output ?? [])]),
    ...[...initializers].map(String),
  ]);
  const fresh = (base: string) => {
    let n = base,
      i = 1;
    while (taken.has(n)) n = `${base}_${i++}`;
    taken.add(n);
    return n;
  };
  const name = fresh(UINT8_INPUT_NAME);
  const castTo = { name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT };
  const front: OnnxTypes.INodeProto[] = [];
  const target = foldTarget(graph, input.name);
  if (target) {
    const w = floatValues(target)!;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! / 255;
    target.rawData = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    target.floatData = [];
    front.push(
      onnx.NodeProto.create({
        opType: 'Cast',
        name: `${name}/Cast`,
        input: [name],
        output: [input.name],
        attribute: [castTo],
      }),
    );
  } else {
    const cast = fresh('pixels_float'),
      scale = fresh('pixel_scale');
    graph.initializer = [
      ...(graph.initializer ?? []),
      onnx.TensorProto.create({ name: scale, dataType: FLOAT, dims: [], floatData: [255] }),
    ];
    front.push(
      onnx.NodeProto.create({
        opType: 'Cast',
        name: `${name}/Cast`,
        input: [name],
        output: [cast],
        attribute: [castTo],
      }),
      onnx.NodeProto.create({ opType: 'Div', name: `${name}/Div`, input: [cast, scale], output: [input.name] }),
    );
  }
  graph.node = [...front, ...nodes];
  const u8 = onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.UINT8, shape: input.type.tensorType.shape } },
  });
  graph.input = (graph.input ?? []).map((i) => (i === input ? u8 : i));
  return encodeModel(model);
}
