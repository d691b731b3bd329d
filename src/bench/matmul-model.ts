// A one-node ONNX model, Y = A x B with B a constant, to measure the FLOP/s onnxruntime reaches here.
import { GraphBuilder } from 'tfjs2onnx/onnx';
import { encodeModel, onnx } from 'tfjs2onnx/onnx';

export function matmulModel(n: number): Uint8Array {
  const g = new GraphBuilder();
  g.reserve('A');
  const b = g.floatTensor(
    'B',
    [n, n],
    Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
  );
  g.node('MatMul', ['A', b], 'Y', {}, 'Y');
  const info = (name: string) => ({
    name,
    type: {
      tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: n }, { dimValue: n }] } },
    },
  });
  return encodeModel({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'matmul', node: g.nodes, initializer: g.initializers, input: [info('A')], output: [info('Y')] },
  });
}
