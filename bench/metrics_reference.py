#!/usr/bin/python3
"""Reference implementation of Factorlab's metric suite, written the way disentanglement_lib computes each metric
(sklearn GradientBoostingClassifier for DCI, LinearSVC for SAP, LogisticRegression(liblinear) for explicitness,
np.histogram + np.digitize + sklearn mutual_info_score for MIG and modularity, scipy linear_sum_assignment +
spearmanr for MCC; FactorVAE vote sampling over the precomputed codes).

Used by `factorlab bench metrics`: it reads DIR/codes.npy (N x D), DIR/factors.npy (N x K), DIR/config.json
(metric settings) and, per metric, the rows the Java suite used (DIR/rows_<metric>.npy, or
rows_<metric>_train.npy / rows_<metric>_test.npy), so both sides score the same points. Usage:
metrics_reference.py DIR [METRICS [REPEAT [BUDGET_SECONDS]]]. Each metric runs up to REPEAT times (default 1), stopping
once its runs have taken BUDGET_SECONDS (default 10) of wall time, and reports the best wall time and the best CPU time
(process_time: all threads of the process), as the Java side does. Writes JSON
{metric: {"seconds": s, "cpu_seconds": s, "runs": n, "values": {...}}} to stdout.
"""
import json
import sys
import time

import numpy as np
import scipy.stats
from scipy.optimize import linear_sum_assignment
from sklearn import ensemble, linear_model, metrics, preprocessing, svm


def histogram_discretize(target, num_bins):
    # disentanglement_lib utils._histogram_discretize; target is num_codes x num_points
    out = np.zeros_like(target, dtype=np.int64)
    for i in range(target.shape[0]):
        out[i, :] = np.digitize(target[i, :], np.histogram(target[i, :], num_bins)[1][:-1])
    return out


def discrete_mutual_info(mus, ys):
    m = np.zeros([mus.shape[0], ys.shape[0]])
    for i in range(mus.shape[0]):
        for j in range(ys.shape[0]):
            m[i, j] = metrics.mutual_info_score(ys[j, :], mus[i, :])
    return m


def discrete_entropy(ys):
    return np.array([metrics.mutual_info_score(ys[j, :], ys[j, :]) for j in range(ys.shape[0])])


def mig(codes, factors, rows, cfg):
    mus = codes[rows].T
    ys = factors[rows].T
    m = discrete_mutual_info(histogram_discretize(mus, cfg["bins"]), ys)
    entropy = discrete_entropy(ys)
    sorted_m = np.sort(m, axis=0)[::-1]
    return {"mig": float(np.mean(np.divide(sorted_m[0, :] - sorted_m[1, :], entropy[:])))}


def modularity(codes, factors, rows, cfg):
    m = discrete_mutual_info(histogram_discretize(codes[rows].T, cfg["bins"]), factors[rows].T)
    squared_mi = np.square(m)
    max_squared_mi = np.max(squared_mi, axis=1)
    numerator = np.sum(squared_mi, axis=1) - max_squared_mi
    denominator = max_squared_mi * (squared_mi.shape[1] - 1.)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = 1. - numerator / denominator
    score[max_squared_mi == 0.] = 0.
    return {"modularity": float(np.mean(score))}


def dci(codes, factors, train, test, cfg):
    x_train, x_test = codes[train], codes[test]
    num_factors = factors.shape[1]
    importance = np.zeros([codes.shape[1], num_factors])
    train_acc, test_acc = [], []
    for i in range(num_factors):
        model = ensemble.GradientBoostingClassifier(n_estimators=cfg["trees"], max_depth=cfg["maxDepth"],
                                                    learning_rate=cfg["learningRate"])
        model.fit(x_train, factors[train, i])
        importance[:, i] = np.abs(model.feature_importances_)
        train_acc.append(np.mean(model.predict(x_train) == factors[train, i]))
        test_acc.append(np.mean(model.predict(x_test) == factors[test, i]))

    def disentanglement(r):
        per_code = 1. - scipy.stats.entropy(r.T + 1e-11, base=r.shape[1])
        if r.sum() == 0.:
            r = np.ones_like(r)
        return np.sum(per_code * r.sum(axis=1) / r.sum())

    def completeness(r):
        per_factor = 1. - scipy.stats.entropy(r + 1e-11, base=r.shape[0])
        if r.sum() == 0.:
            r = np.ones_like(r)
        return np.sum(per_factor * r.sum(axis=0) / r.sum())

    return {"dci.disentanglement": float(disentanglement(importance)), "dci.completeness": float(completeness(importance)),
            "dci.informativeness": float(np.mean(test_acc)), "dci.informativeness_train": float(np.mean(train_acc)),
            "importance": importance.tolist()}


def sap(codes, factors, train, test, cfg):
    d, k = codes.shape[1], factors.shape[1]
    s = np.zeros([d, k])
    for i in range(d):
        for j in range(k):
            clf = svm.LinearSVC(C=cfg["c"], class_weight="balanced" if cfg["balancedClassWeights"] else None)
            clf.fit(codes[train, i][:, np.newaxis], factors[train, j])
            s[i, j] = np.mean(clf.predict(codes[test, i][:, np.newaxis]) == factors[test, j])
    srt = np.sort(s, axis=0)
    return {"sap": float(np.mean(srt[-1, :] - srt[-2, :]))}


def explicitness(codes, factors, train, test, cfg):
    mean = codes[train].mean(axis=0)
    std = codes[train].std(axis=0)
    std[std == 0] = 1.
    x_train = (codes[train] - mean) / std
    x_test = (codes[test] - mean) / std
    tr, te = [], []
    for j in range(factors.shape[1]):
        clf = linear_model.LogisticRegression(C=cfg["c"], solver="liblinear").fit(x_train, factors[train, j])
        mlb = preprocessing.MultiLabelBinarizer()
        tr.append(metrics.roc_auc_score(mlb.fit_transform(np.expand_dims(factors[train, j], 1)), clf.predict_proba(x_train)))
        te.append(metrics.roc_auc_score(mlb.fit_transform(np.expand_dims(factors[test, j], 1)), clf.predict_proba(x_test)))
    return {"explicitness": float(np.mean(te)), "explicitness.train": float(np.mean(tr))}


def mcc(codes, factors, rows, cfg):
    d = codes.shape[1]
    cc = scipy.stats.spearmanr(codes[rows], factors[rows])[0][:d, d:]
    cc = np.nan_to_num(np.abs(cc))
    r, c = linear_sum_assignment(-1 * cc)
    return {"mcc": float(cc[r, c].mean())}


def factor_vae(codes, factors, cfg, seed):
    rs = np.random.RandomState(seed)
    n, k = factors.shape
    var_rows = rs.choice(n, min(n, cfg["numVarianceEstimate"]), replace=False)
    global_var = np.var(codes[var_rows], axis=0, ddof=1)
    active = np.sqrt(global_var) >= cfg["pruneStd"]
    if not active.any():
        return {"factorvae": 0.0, "factorvae.train_accuracy": 0.0}
    groups = [{v: np.flatnonzero(factors[:, j] == v) for v in np.unique(factors[:, j])} for j in range(k)]

    def votes(count):
        v = np.zeros([k, codes.shape[1]], dtype=np.int64)
        for _ in range(count):
            j = rs.randint(k)
            g = groups[j][factors[rs.randint(n), j]]
            batch = codes[g[rs.randint(len(g), size=cfg["batchSize"])]]
            local = np.var(batch, axis=0, ddof=1)
            v[j, np.argmin(local[active] / global_var[active])] += 1
        return v

    tv = votes(cfg["numTrain"])
    ev = votes(cfg["numEval"])
    clf = np.argmax(tv, axis=0)
    idx = np.arange(tv.shape[1])
    return {"factorvae": float(np.sum(ev[clf, idx]) / np.sum(ev)),
            "factorvae.train_accuracy": float(np.sum(tv[clf, idx]) / np.sum(tv))}


def main():
    d = sys.argv[1]
    codes = np.load(d + "/codes.npy").astype(np.float64)
    factors = np.load(d + "/factors.npy").astype(np.int64)
    cfg = json.load(open(d + "/config.json"))
    only = sys.argv[2].split(",") if len(sys.argv) > 2 and sys.argv[2] != "all" else None
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    budget = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0
    rows = lambda m: np.load(d + "/rows_" + m + ".npy")
    split = lambda m: (np.load(d + "/rows_" + m + "_train.npy"), np.load(d + "/rows_" + m + "_test.npy"))
    jobs = {
        "factorvae": lambda: factor_vae(codes, factors, cfg["factorVae"], cfg["seed"]),
        "dci": lambda: dci(codes, factors, *split("dci"), cfg["dci"]),
        "mig": lambda: mig(codes, factors, rows("mig"), cfg["mig"]),
        "sap": lambda: sap(codes, factors, *split("sap"), cfg["sap"]),
        "modularity": lambda: modularity(codes, factors, rows("modularity"), cfg["modularity"]),
        "explicitness": lambda: explicitness(codes, factors, *split("explicitness"), cfg["explicitness"]),
        "mcc": lambda: mcc(codes, factors, rows("mcc"), cfg["mcc"]),
    }
    out = {}
    for name, job in jobs.items():
        if only and name not in only:
            continue
        best, best_cpu, spent, runs = float("inf"), float("inf"), 0.0, 0
        while runs < repeat and (runs == 0 or spent < budget):
            t0, c0 = time.perf_counter(), time.process_time()
            values = job()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            best, best_cpu, spent, runs = min(best, wall), min(best_cpu, cpu), spent + wall, runs + 1
        out[name] = {"seconds": best, "cpu_seconds": best_cpu, "runs": runs, "values": values}
        print(name, "%.2fs (best of %d; cpu %.2fs)" % (best, runs, best_cpu), file=sys.stderr, flush=True)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
