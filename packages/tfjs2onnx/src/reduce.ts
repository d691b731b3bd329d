// Reductions over fixed axes in every opset: `axes` moved from an attribute to an input in opset 13
// (ReduceSum) and 18 (the others).
import type { GraphBuilder } from './onnx/graph-builder.js';

export type ReduceOp = 'ReduceSum' | 'ReduceMean' | 'ReduceMax' | 'ReduceSumSquare';

export function reduce(
  g: GraphBuilder,
  op: ReduceOp,
  x: string,
  axes: number[],
  keepdims: boolean,
  opset: number,
  base: string,
): string {
  const axesAsInput = opset >= (op === 'ReduceSum' ? 13 : 18);
  return axesAsInput
    ? g.node(op, [x, g.int64Tensor(`${base}_axes`, axes)], base, { keepdims: keepdims ? 1 : 0 })
    : g.node(op, [x], base, { axes, keepdims: keepdims ? 1 : 0 });
}
