# umap-learn's layout of the first N training images, as the independent reference for test/umap-layout.test.ts.
# Usage: umap_learn_layout.py IDX_IMAGES N OUT.f32  (writes float32 [N, 2], little-endian).
# umap-learn uses exact neighbours below 4,096 points, so it optimises the same fuzzy graph as the project.
import sys
import numpy as np
import umap

path, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, 'rb') as f:
    f.read(16)
    x = np.frombuffer(f.read(n * 784), dtype=np.uint8).reshape(n, 784).astype(np.float32) / 255.0
layout = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=1).fit_transform(x)
np.ascontiguousarray(layout, dtype='<f4').tofile(out)
