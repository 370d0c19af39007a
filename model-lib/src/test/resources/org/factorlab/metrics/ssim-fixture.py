# Writes ssim-fixture.json: SSIM and MSE of fixed image pairs computed by scikit-image, the independent reference
# of ReconstructionTest. Run once with Debian's python3-skimage (/usr/bin/python3 ssim-fixture.py); the tests read
# only the JSON.
import json
import numpy as np
import skimage
from skimage.metrics import structural_similarity, mean_squared_error

rng = np.random.default_rng(19)
cases = []
for name, (c, h, w), data_range, noise in [("rgb-16x20", (3, 16, 20), 1.0, 0.1),
                                           ("rgb-32x32", (3, 32, 32), 1.0, 0.02),
                                           ("gray-11x13-range2", (1, 11, 13), 2.0, 0.3)]:
    yy, xx = np.mgrid[0:h, 0:w]
    a = np.stack([0.5 + 0.4 * np.sin(0.3 * (k + 1) * xx + 0.2 * yy) for k in range(c)])
    a = a + 0.05 * rng.standard_normal(a.shape)
    b = np.clip(a + noise * rng.standard_normal(a.shape), 0, 1)
    if data_range == 2.0:
        a, b = a * 2 - 1, b * 2 - 1
    a, b = np.round(a, 6), np.round(b, 6)
    ssim = structural_similarity(a, b, channel_axis=0, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=data_range)
    cases.append({"name": name, "dataRange": data_range, "a": a.tolist(), "b": b.tolist(),
                  "ssim": float(ssim), "mse": float(mean_squared_error(a, b))})
with open("ssim-fixture.json", "w") as f:
    json.dump({"skimage": skimage.__version__, "cases": cases}, f)
