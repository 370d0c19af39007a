#!/usr/bin/python3
"""Writes a file in 3dshapes.h5's format for `factorlab bench ingest`: images (N, 64, 64, 3) uint8 and labels (N, 6)
float64, both gzip-chunked, rows = the first N points of the Shapes3D grid in canonical order (orientation fastest).
Images are simple shaded scenes (floor, wall, object) so gzip sees realistic redundancy, not noise or flat colour.

usage: make_3dshapes_h5.py OUT.h5 N [CHUNK_ROWS]
"""
import sys

import h5py
import numpy as np

out, n = sys.argv[1], int(sys.argv[2])
chunk_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 1
sizes = (10, 10, 10, 8, 4, 15)
values = [np.linspace(0, 1, 10, endpoint=False)] * 3 + [np.linspace(0.75, 1.25, 8), np.arange(4.0), np.linspace(-30, 30, 15)]
yy, xx = np.mgrid[0:64, 0:64].astype(np.float32)


def hue_rgb(h):
    k = (np.array([5.0, 3.0, 1.0]) + h * 6) % 6
    return 1 - np.clip(np.minimum(k, 4 - k), 0, 1)


with h5py.File(out, "w") as f:
    images = f.create_dataset("images", (n, 64, 64, 3), np.uint8, chunks=(chunk_rows, 64, 64, 3), compression="gzip")
    labels = f.create_dataset("labels", (n, 6), np.float64, chunks=(min(n, 10000), 6), compression="gzip")
    step = 2000
    for start in range(0, n, step):
        idx = np.arange(start, min(n, start + step))
        cls = np.array(np.unravel_index(idx, sizes)).T
        lab = np.stack([values[k][cls[:, k]] for k in range(6)], axis=1)
        batch = np.empty((len(idx), 64, 64, 3), np.uint8)
        for i, c in enumerate(cls):
            shade = (0.55 + 0.45 * yy / 63)[..., None]
            img = np.where((yy > 40 + 0.1 * (xx - 32))[..., None], hue_rgb(lab[i, 0]), hue_rgb(lab[i, 1])) * shade
            r = 6 + 8 * lab[i, 3]
            cx = 32 + lab[i, 5] / 3
            mask = ((xx - cx) ** 2 + (yy - 34) ** 2 / (1 + 0.3 * c[4])) < r * r
            img[mask] = hue_rgb(lab[i, 2]) * (0.6 + 0.4 * (1 - (xx[mask] - cx) / (2 * r)))[:, None]
            batch[i] = (img * 255).astype(np.uint8)
        images[idx[0]:idx[-1] + 1] = batch
        labels[idx[0]:idx[-1] + 1] = lab
print("wrote", out, n, "images, chunk rows", chunk_rows)
