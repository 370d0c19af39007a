#!/usr/bin/python3
"""Writes the small raw-dataset fixtures the data-ingest tests read, in the real file formats.

Run from the repository root:  /usr/bin/python3 data-ingest/src/test/python/make_fixtures.py
Needs numpy, h5py, scipy and Pillow. Output: data-ingest/src/test/resources/fixtures/ (deterministic, seed 7).

Conventions the Java tests rely on:
  * Shapes3D / MPI3D images carry their canonical grid index (Shapes3D) or row (MPI3D) in pixel (0, 0):
    R, G, B = index >> 16, index >> 8, index (each & 255).
  * dSprites images carry the grid index in the first 20 pixels of row 0, as bits (LSB first).
  * Cars3D: rows 0..63 of every `im` view are a 1-pixel 0/255 checkerboard (area averaging gives 128, nearest
    neighbour 0 or 255); rows 64..127 are constant per channel: (car*96 + az*4 + el + 40*c) % 256.
  * CelebA: JPEGs are smooth ramps; celeba/expected_{center148,box128}.npy hold the crop + exact area-average
    resize to 64x64 computed here from Pillow's decode, for comparison with a tolerance (JPEG decoders differ).
"""
import io
import os
import shutil
import zipfile

import h5py
import numpy as np
import scipy.io
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures")
RNG = np.random.default_rng(7)

SHAPES_SIZES = (10, 10, 10, 8, 4, 15)
SHAPES_VALUES = [np.linspace(0, 1, 10, endpoint=False)] * 3 + [
    np.linspace(0.75, 1.25, 8), np.arange(4, dtype=np.float64), np.linspace(-30, 30, 15)]


def path(*p):
    full = os.path.join(ROOT, *p)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full


def stamp(img, idx):
    img[0, 0, :] = [(idx >> 16) & 255, (idx >> 8) & 255, idx & 255]


# ---------------------------------------------------------------- Shapes3D
def shapes_image(classes, idx):
    img = np.zeros((64, 64, 3), np.uint8)
    fh, wh, oh, sc, sh, orn = classes
    img[40:, :, :] = [fh * 25, 100, 50]          # floor
    img[:40, :, :] = [50, wh * 25, 100]          # wall
    half = 6 + sc + sh
    c = 32 + orn - 7
    img[32 - half:32 + half, c - half // 2:c + half // 2, :] = [200, 30, oh * 25]  # object
    stamp(img, idx)
    return img


def shapes3d():
    n = 60
    indices = RNG.choice(int(np.prod(SHAPES_SIZES)), size=n, replace=False)  # random subset, random order
    classes = np.array(np.unravel_index(indices, SHAPES_SIZES)).T
    images = np.stack([shapes_image(c, int(i)) for c, i in zip(classes, indices)])
    labels = np.stack([[SHAPES_VALUES[k][c[k]] for k in range(6)] for c in classes]).astype(np.float64)
    np.save(path("shapes3d", "subset_indices.npy"), indices.astype(np.int64))

    def write(name, imgs, labs, chunks=(1, 64, 64, 3), key="images", label_chunks=None):
        with h5py.File(path("shapes3d", name), "w") as f:
            f.create_dataset(key, data=imgs, chunks=chunks, compression="gzip", compression_opts=4)
            f.create_dataset("labels", data=labs, chunks=label_chunks or (min(10, len(labs)), 6), compression="gzip")

    write("3dshapes_subset.h5", images, labels)
    with h5py.File(path("shapes3d", "3dshapes_contiguous.h5"), "w") as f:  # no chunks, no compression
        f.create_dataset("images", data=images[:6])
        f.create_dataset("labels", data=labels[:6])
    # chunks that split an image and leave partial edge chunks: the reader must assemble images.
    write("3dshapes_oddchunks.h5", images[:20], labels[:20], chunks=(7, 32, 64, 3), label_chunks=(3, 6))
    bad = labels[:5].copy()
    bad[3, 3] = 2.0  # scale 2.0 is not one of linspace(0.75, 1.25, 8)
    write("3dshapes_bad_labels.h5", images[:5], bad)
    write("3dshapes_wrong_key.h5", images[:3], labels[:3], key="imgs")
    write("3dshapes_wrong_shape.h5", images[:3, :32, :32, :], labels[:3], chunks=(1, 32, 32, 3))
    with open(path("shapes3d", "3dshapes_subset.h5"), "rb") as f:
        data = f.read()
    with open(path("shapes3d", "3dshapes_truncated.h5"), "wb") as f:
        f.write(data[: len(data) * 2 // 3])
    with open(path("shapes3d", "3dshapes_corrupt.h5"), "wb") as f:
        f.write(b"this is not an HDF5 file\n" * 40)


# ---------------------------------------------------------------- npz helpers
def npy_header(dtype, shape):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                               "fortran_order": False, "shape": shape})
    return buf.getvalue()


def npz_declaring(name, key, dtype, declared_shape, payload, compress):
    """An npz whose entry declares `declared_shape` but holds only `payload` bytes (a truncated export)."""
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(name, "w", mode) as z:
        z.writestr(key + ".npy", npy_header(dtype, declared_shape) + payload)


# ---------------------------------------------------------------- MPI3D
def mpi3d():
    # test-only layout [2,1,1,1,1,2,2] = 8 images in row-major order; the real counts are tested by header.
    n = 8
    images = np.zeros((n, 64, 64, 3), np.uint8)
    for r in range(n):
        images[r, :, :, :] = [r * 30, 255 - r * 30, 7]
        images[r, 20:40, 10 + r:30 + r, :] = [250, 250, 250]
        stamp(images[r], r)
    np.savez_compressed(path("mpi3d", "mpi3d_tiny_compressed.npz"), images=images)
    np.savez(path("mpi3d", "mpi3d_tiny_stored.npz"), images=images)
    np.savez_compressed(path("mpi3d", "mpi3d_wrong_key.npz"), imgs=images[:2])
    np.savez_compressed(path("mpi3d", "mpi3d_wrong_dtype.npz"), images=images[:2].astype(np.float32))
    np.savez_compressed(path("mpi3d", "mpi3d_wrong_shape.npz"), images=images[:2, :, :, 0])
    np.savez_compressed(path("mpi3d", "mpi3d_bad_count.npz"), images=images[:5])
    payload = images[:3].tobytes()
    npz_declaring(path("mpi3d", "mpi3d_1036800_truncated.npz"), "images", np.uint8, (1036800, 64, 64, 3), payload, True)
    npz_declaring(path("mpi3d", "mpi3d_460800_truncated.npz"), "images", np.uint8, (460800, 64, 64, 3), payload, False)
    with open(path("mpi3d", "mpi3d_tiny_compressed.npz"), "rb") as f:
        data = f.read()
    with open(path("mpi3d", "mpi3d_not_a_zip.npz"), "wb") as f:
        f.write(data[: len(data) // 2])  # cut before the central directory


# ---------------------------------------------------------------- dSprites
DSPRITES_SIZES = (1, 3, 6, 40, 32, 32)


def dsprites():
    n = 30
    indices = RNG.choice(int(np.prod(DSPRITES_SIZES)), size=n, replace=False)
    # a transposed view: numpy saves it Fortran-ordered, which the Java reader must handle
    classes = np.array(np.unravel_index(indices, DSPRITES_SIZES)).T.astype(np.int64)
    imgs = np.zeros((n, 64, 64), np.uint8)
    for r, (c, idx) in enumerate(zip(classes, indices)):
        x, y = 8 + c[4], 8 + c[5]
        imgs[r, y:y + 4 + c[2], x:x + 4 + c[1]] = 1
        for b in range(20):
            imgs[r, 0, b] = (int(idx) >> b) & 1
    values = np.stack([np.linspace(0, 1, 1)[classes[:, 0]] * 0 + 1, classes[:, 1] + 1.0,
                       np.linspace(0.5, 1, 6)[classes[:, 2]], np.linspace(0, 2 * np.pi, 40)[classes[:, 3]],
                       np.linspace(0, 1, 32)[classes[:, 4]], np.linspace(0, 1, 32)[classes[:, 5]]], axis=1)
    meta = np.array({"description": "fixture", "latents_sizes": np.array(DSPRITES_SIZES)}, dtype=object)
    np.savez_compressed(path("dsprites", "dsprites_subset.npz"), imgs=imgs, latents_classes=classes,
                        latents_values=values, metadata=meta)
    np.save(path("dsprites", "subset_indices.npy"), indices.astype(np.int64))
    bad = classes.copy()
    bad[4, 1] = 3  # shape has 3 classes
    np.savez_compressed(path("dsprites", "dsprites_bad_classes.npz"), imgs=imgs, latents_classes=bad)
    np.savez_compressed(path("dsprites", "dsprites_bad_pixels.npz"), imgs=imgs * 7, latents_classes=classes)
    np.savez_compressed(path("dsprites", "dsprites_row_mismatch.npz"), imgs=imgs[:10], latents_classes=classes)


# ---------------------------------------------------------------- Cars3D
def car_im(car):
    im = np.zeros((128, 128, 3, 24, 4), np.uint8)
    yy, xx = np.mgrid[0:64, 0:128]
    board = ((yy + xx) % 2 * 255).astype(np.uint8)
    for az in range(24):
        for el in range(4):
            for c in range(3):
                im[:64, :, c, az, el] = board
                im[64:, :, c, az, el] = (car * 96 + az * 4 + el + 40 * c) % 256
    return im


def cars3d():
    shutil.rmtree(os.path.join(ROOT, "cars3d"), ignore_errors=True)
    # written out of order on purpose: the reader sorts by file name
    for car, name in [(1, "car_b_mesh.mat"), (2, "car_c_mesh.mat"), (0, "car_a_mesh.mat")]:
        scipy.io.savemat(path("cars3d", "ok", name), {"im": car_im(car)}, do_compression=True)
    scipy.io.savemat(path("cars3d", "no_im", "car_a_mesh.mat"), {"img": np.zeros((4, 4), np.uint8)},
                     do_compression=True)
    scipy.io.savemat(path("cars3d", "wrong_dims", "car_a_mesh.mat"), {"im": car_im(0)[:, :, :, :12, :]},
                     do_compression=True)


# ---------------------------------------------------------------- CelebA
def area_matrix(n_in, n_out, start, length):
    """W[o, i]: share of source pixel i in output pixel o, for the window [start, start+length) -> n_out."""
    s = length / n_out
    w = np.zeros((n_out, n_in))
    for o in range(n_out):
        a, b = start + o * s, start + (o + 1) * s
        for i in range(int(np.floor(a)), int(np.ceil(b))):
            w[o, i] = max(0.0, min(b, i + 1) - max(a, i)) / s
    return w


def crop_resize(img, x0, y0, size):
    wy = area_matrix(img.shape[0], 64, y0, size)
    wx = area_matrix(img.shape[1], 64, x0, size)
    out = np.einsum("oy,yxc,px->opc", wy, img.astype(np.float64), wx)
    return np.floor(out + 0.5).clip(0, 255).astype(np.uint8)


ATTRS = ("5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
         "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
         "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
         "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
         "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young").split()


def celeba_folder(name, n, attrs, splits, count_line=None, jpeg_bytes=None):
    base = os.path.join(ROOT, "celeba", name)
    shutil.rmtree(base, ignore_errors=True)
    files = ["%06d.jpg" % (i + 1) for i in range(n)]
    decoded = []
    for i, fn in enumerate(files):
        yy, xx = np.mgrid[0:218, 0:178]
        img = np.stack([xx * 255 // 177, yy * 255 // 217, (xx + yy + 40 * i) % 256 // 2 + 64], axis=2).astype(np.uint8)
        img[100:140, 60:120, :] = [30 * i, 220, 40]  # a block near the face area
        p = path("celeba", name, "img_align_celeba", fn)
        if jpeg_bytes is not None and i in jpeg_bytes:
            with open(p, "wb") as f:
                f.write(jpeg_bytes[i])
            decoded.append(None)
            continue
        Image.fromarray(img).save(p, quality=95)
        decoded.append(np.asarray(Image.open(p).convert("RGB")))
    lines = [str(count_line if count_line is not None else n), " ".join(ATTRS) + " "]
    for fn, a in zip(files, attrs):
        lines.append(fn + "".join("%3d" % v for v in a))  # the real file: "000001.jpg -1  1  1 -1 ..."
    with open(path("celeba", name, "list_attr_celeba.txt"), "wb") as f:
        f.write(("\r\n".join(lines) + "\r\n").encode())
    with open(path("celeba", name, "list_eval_partition.txt"), "wb") as f:
        f.write(("\n".join("%s %d" % (fn, s) for fn, s in zip(files, splits)) + "\n").encode())
    return decoded


def celeba():
    n = 6
    attrs = RNG.choice([-1, 1], size=(n, 40))
    splits = [0, 0, 0, 1, 2, 2]
    decoded = celeba_folder("ok", n, attrs, splits)
    np.save(path("celeba", "expected_attrs.npy"), ((attrs + 1) // 2).astype(np.int32))
    np.save(path("celeba", "expected_center148.npy"), np.stack([crop_resize(d, 15, 35, 148) for d in decoded]))
    np.save(path("celeba", "expected_box128.npy"), np.stack([crop_resize(d, 25, 57, 128) for d in decoded]))
    celeba_folder("bad_jpeg", 3, attrs[:3], splits[:3], jpeg_bytes={1: b"\xff\xd8\xff\xe0 not really a jpeg"})
    celeba_folder("bad_count", 3, attrs[:3], splits[:3], count_line=4)
    celeba_folder("bad_columns", 3, attrs[:3], splits[:3])
    p = path("celeba", "bad_columns", "list_attr_celeba.txt")
    with open(p, "rb") as f:
        rows = f.read().decode().split("\r\n")
    rows[3] = rows[3].rsplit(" ", 1)[0]  # line 4 (000002.jpg) loses its last attribute
    with open(p, "wb") as f:
        f.write("\r\n".join(rows).encode())


if __name__ == "__main__":
    shapes3d()
    mpi3d()
    dsprites()
    cars3d()
    celeba()
    total = 0
    for d, _, fs in os.walk(ROOT):
        for fn in fs:
            size = os.path.getsize(os.path.join(d, fn))
            total += size
            if size > 300_000:
                raise SystemExit("fixture too large: %s %d" % (os.path.join(d, fn), size))
    print("fixtures written to %s: %d bytes" % (os.path.normpath(ROOT), total))
