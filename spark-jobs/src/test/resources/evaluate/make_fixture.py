#!/usr/bin/python3
"""Writes the evaluation test fixture: codes made with numpy (independently of Factorlab), the same codes as CSV,
and the values scikit-learn/scipy give for the metrics that use every row when N <= numPoints (MIG, modularity,
Spearman MCC), computed the way disentanglement_lib does. Run: /usr/bin/python3 make_fixture.py"""
import json
import os

import numpy as np
import scipy.stats
from scipy.optimize import linear_sum_assignment
from sklearn import metrics

rs = np.random.RandomState(2024)
n, sizes = 1200, [5, 4, 6]
f = np.stack([rs.randint(s, size=n) for s in sizes], axis=1)
v = f / (np.array(sizes) - 1.0)
mix = np.array([[1.0, 0.2, 0.0], [0.0, 1.0, 0.4], [0.1, 0.0, 1.0], [0.3, 0.3, 0.3], [0.0, 0.0, 0.0]])
codes = (v @ mix.T + 0.05 * rs.randn(n, 5)).astype(np.float32)
codes[:, 4] = rs.randn(n)  # a noise dim

os.makedirs("npy", exist_ok=True)
np.save("npy/codes.npy", codes)
np.save("npy/factors.npy", f.astype(np.int64))
open("npy/factor_names.txt", "w").write("color\nshape\nsize\n")
with open("codes.csv", "w") as out:
    out.write("# written by make_fixture.py\n")
    out.write("z0,z1,z2,z3,z4,factor:color,factor:shape,factor:size\n")
    for i in range(n):
        out.write(",".join(repr(float(x)) for x in codes[i]) + "," + ",".join(str(int(x)) for x in f[i]) + "\n")

c = codes.astype(np.float64).T
disc = np.zeros_like(c, dtype=np.int64)
for i in range(c.shape[0]):
    disc[i] = np.digitize(c[i], np.histogram(c[i], 20)[1][:-1])
m = np.array([[metrics.mutual_info_score(f[:, j], disc[i]) for j in range(3)] for i in range(5)])
h = np.array([metrics.mutual_info_score(f[:, j], f[:, j]) for j in range(3)])
srt = np.sort(m, axis=0)[::-1]
mig = np.mean((srt[0] - srt[1]) / h)
sq = m ** 2
mx = sq.max(axis=1)
mod = 1 - (sq.sum(axis=1) - mx) / (mx * 2)
mod[mx == 0] = 0
cc = np.abs(scipy.stats.spearmanr(codes.astype(np.float64), f)[0][:5, 5:])
r, col = linear_sum_assignment(-cc)
json.dump({"mig": mig, "modularity": float(mod.mean()), "mcc": float(cc[r, col].mean())}, open("expected.json", "w"), indent=1)
print(open("expected.json").read())
