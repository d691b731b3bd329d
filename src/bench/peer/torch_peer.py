#!/usr/bin/python3
"""A speed peer for the benchmarks: the project's autoencoder in PyTorch on CPU.

A measuring instrument, not part of the pipeline. `make bench-train` and `make bench` run it, when
`import torch` works, beside their onnxruntime rows (src/bench/training.ts, src/bench/serving.ts):

  torch_peer.py train  --data DIR --filters 16,32 --decoder-filters 8,16 --hidden 128,64 --latent 2
                       --threads 1 --batch 64 --seconds 6 [--count 20000]
  torch_peer.py encode --data DIR --filters ... --hidden ... --latent 2 --threads 1 --batch 1024 [--images 10000]
  torch_peer.py version

and prints one JSON line: {"imagesPerSec": ..., ...}.

Same shapes as src/train/model.ts (Conv2D stride 2 "same" + relu twice, Dense layers, the code; decoder
Dense layers -> Dense to 7x7xf2 -> reshape -> Conv2DTranspose stride 2 "same" + relu twice -> 3x3 Conv +
sigmoid), binary cross-entropy on the clipped sigmoid output, RMSprop with momentum 0.9, real Fashion-MNIST
images scaled by 1/255 per batch (inside the timed loop, as the ort engine gathers and scales its own).
Differences that do not change the work: torch runs NCHW where tfjs/onnxruntime run NHWC; torch pads
"same" symmetrically where TF pads the extra row at the end; torch's RMSprop adds epsilon outside the square
root where tfjs adds it inside. Weights are torch's default initialisation: this measures speed, not quality.
"""
import argparse
import gzip
import json
import os
import sys
import time


def read_idx_images(data_dir, name, count):
    for path in (os.path.join(data_dir, name), os.path.join(data_dir, name + '.gz')):
        if os.path.exists(path):
            opener = gzip.open if path.endswith('.gz') else open
            with opener(path, 'rb') as f:
                raw = f.read()
            n = int.from_bytes(raw[4:8], 'big')
            n = min(n, count)
            return raw[16:16 + n * 784], n
    sys.exit(f'torch_peer: {data_dir}: no {name} (run node pipeline/fetch.js)')


def build(torch, a):
    nn = torch.nn
    f1, f2 = a.filters
    d1, d2 = a.decoder_filters
    enc = [nn.Conv2d(1, f1, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(f1, f2, 3, stride=2, padding=1), nn.ReLU(),
           nn.Flatten()]
    units = 49 * f2
    for h in a.hidden:
        enc += [nn.Linear(units, h), nn.ReLU()]
        units = h
    enc.append(nn.Linear(units, a.latent))
    dec = []
    units = a.latent
    for h in reversed(a.hidden):
        dec += [nn.Linear(units, h), nn.ReLU()]
        units = h
    dec += [nn.Linear(units, 49 * d2), nn.ReLU(), nn.Unflatten(1, (d2, 7, 7)),
            nn.ConvTranspose2d(d2, d2, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(d2, d1, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.Conv2d(d1, 1, 3, padding=1), nn.Sigmoid()]
    return nn.Sequential(*enc), nn.Sequential(*dec)


def ints(s):
    return [int(v) for v in s.split(',') if v]


def main():
    p = argparse.ArgumentParser(prog='torch_peer')
    p.add_argument('mode', choices=['train', 'encode', 'version'])
    p.add_argument('--data', default='data/fashion-mnist')
    p.add_argument('--filters', type=ints, default=[16, 32])
    p.add_argument('--decoder-filters', type=ints, default=None)
    p.add_argument('--hidden', type=ints, default=[128, 64])
    p.add_argument('--latent', type=int, default=2)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--seconds', type=float, default=6)
    p.add_argument('--count', type=int, default=20000)
    p.add_argument('--images', type=int, default=10000)
    a = p.parse_args()
    try:
        import torch
    except Exception as e:  # the caller skips the row with this line
        sys.exit(f'torch_peer: cannot import torch ({e})')
    if a.mode == 'version':
        print(json.dumps({'torch': torch.__version__}))
        return
    a.decoder_filters = a.decoder_filters or a.filters
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(1)
    encoder, decoder = build(torch, a)
    if a.mode == 'train':
        raw, n = read_idx_images(a.data, 'train-images-idx3-ubyte', a.count)
        images = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(n, 1, 28, 28)
        model = torch.nn.Sequential(encoder, decoder)
        opt = torch.optim.RMSprop(model.parameters(), lr=1e-4, alpha=0.9, eps=1e-7, momentum=0.9)
        b = a.batch
        order = torch.tensor([(i * 7) % n for i in range(max(n, 64 * b))], dtype=torch.long)

        def step(s):
            idx = order[(s * b) % (len(order) - b):][:b]
            x = images.index_select(0, idx).float().div_(255)
            y = model(x).clamp(1e-7, 1 - 1e-7)
            loss = torch.nn.functional.binary_cross_entropy(y, x)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return loss

        for s in range(3):  # warm-up
            step(s)
        t = time.perf_counter()
        probe = 3
        for s in range(probe):
            step(s)
        per_step = (time.perf_counter() - t) / probe
        steps = max(3, round(a.seconds / per_step))
        t = time.perf_counter()
        for s in range(steps):
            step(s)
        sec = time.perf_counter() - t
        print(json.dumps({'mode': 'train', 'torch': torch.__version__, 'threads': a.threads, 'batch': b,
                          'steps': steps, 'imagesPerSec': steps * b / sec}))
    else:
        raw, n = read_idx_images(a.data, 't10k-images-idx3-ubyte', a.images)
        x = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(n, 1, 28, 28).float().div_(255)
        b = min(a.batch, n)
        encoder.eval()
        best = 0.0
        with torch.inference_mode():
            encoder(x[:b])
            for _ in range(3):
                t = time.perf_counter()
                done = 0
                for s in range(0, n - b + 1, b):
                    encoder(x[s:s + b])
                    done += b
                best = max(best, done / (time.perf_counter() - t))
        print(json.dumps({'mode': 'encode', 'torch': torch.__version__, 'threads': a.threads, 'batch': b,
                          'images': n, 'imagesPerSec': best}))


if __name__ == '__main__':
    main()
