/** The parity bar between tfjs and onnxruntime on codes and pixels (absolute). */
export const PARITY_ATOL = 1e-4;
