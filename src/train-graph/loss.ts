// The loss constants every implementation of the training loss shares: the ONNX training graphs here,
// the tfjs loss (src/train/model.ts) and the reconstruction metric (src/metrics/reconstruction.ts).

/** Keras's clip of predicted probabilities in binary cross-entropy: predictions kept inside [eps, 1 - eps]. */
export const BCE_EPSILON = 1e-7;
