#!/usr/bin/env python3
"""Run the exported encoder and decoder outside Node.

Uses the onnxruntime Python package when it is installed, else OpenCV's DNN module
(Debian: python3-opencv). The models' interface (see the project README):
  encoder.onnx: input "image" float32 [batch, 28, 28, 1], pixel / 255, NHWC -> output "code" [batch, latent]
  decoder.onnx: input "code" float32 [batch, latent] -> output "image" [batch, 28, 28, 1] in [0, 1]

Example:
  python3 examples/python/encode.py --images data/fashion-mnist/t10k-images-idx3-ubyte --count 1000 \
      --codes codes.npy --reconstructions recon.npy
"""
import argparse
import gzip
import struct
import sys

import numpy as np


def read_idx_images(path, count=None):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x803 or (rows, cols) != (28, 28):
        sys.exit(f"{path}: not an idx file of 28x28 images (magic {magic:#010x}, {rows}x{cols})")
    n = n if count is None else min(n, count)
    pixels = np.frombuffer(data, dtype=np.uint8, count=n * 784, offset=16)
    return (pixels.astype(np.float32) / np.float32(255)).reshape(n, 28, 28, 1)


class Runner:
    """One ONNX model, run by onnxruntime if available, else by OpenCV DNN."""

    def __init__(self, path, runtime):
        self.path = path
        if runtime in ("auto", "onnxruntime"):
            try:
                import onnxruntime as ort
                self.session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
                self.runtime = "onnxruntime"
                return
            except ImportError:
                if runtime == "onnxruntime":
                    sys.exit("the onnxruntime package is not installed")
        import cv2
        self.net = cv2.dnn.readNetFromONNX(path)
        self.runtime = f"opencv {cv2.__version__}"

    def __call__(self, x, batch=500):
        outs = []
        for s in range(0, len(x), batch):
            part = np.ascontiguousarray(x[s:s + batch], dtype=np.float32)
            if self.runtime == "onnxruntime":
                name = self.session.get_inputs()[0].name
                outs.append(self.session.run(None, {name: part})[0])
            else:
                self.net.setInput(part)
                outs.append(np.asarray(self.net.forward(), dtype=np.float32).reshape(len(part), *self._out_shape(part)))
        return np.concatenate(outs)

    @staticmethod
    def _out_shape(part):
        return (28, 28, 1) if part.ndim == 2 else (-1,)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--encoder", default="models/encoder.onnx")
    p.add_argument("--decoder", default="models/decoder.onnx")
    p.add_argument("--images", default="data/fashion-mnist/t10k-images-idx3-ubyte", help="idx image file (raw or .gz)")
    p.add_argument("--count", type=int, default=None, help="use the first N images")
    p.add_argument("--codes", default="codes.npy", help="where to save the codes (float32 [N, latent])")
    p.add_argument("--reconstructions", default=None, help="where to save decoded images (float32 [N, 28, 28, 1])")
    p.add_argument("--runtime", choices=["auto", "onnxruntime", "opencv"], default="auto")
    args = p.parse_args()

    images = read_idx_images(args.images, args.count)
    encoder = Runner(args.encoder, args.runtime)
    codes = encoder(images)
    np.save(args.codes, codes.astype(np.float32))
    msg = f"encoded {len(images)} images with {encoder.runtime}: codes {codes.shape} -> {args.codes}"
    if args.reconstructions:
        decoder = Runner(args.decoder, args.runtime)
        recon = decoder(codes)
        np.save(args.reconstructions, recon.astype(np.float32))
        mse = float(np.mean((recon - images) ** 2))
        msg += f"; reconstructions {recon.shape} -> {args.reconstructions}, MSE {mse:.4f}"
    print(msg)


if __name__ == "__main__":
    main()
