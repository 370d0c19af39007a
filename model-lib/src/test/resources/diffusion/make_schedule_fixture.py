#!/usr/bin/python3
"""Writes ldm_schedules.json: LDM's make_beta_schedule + DDPM.register_schedule constants (torch float64,
v_posterior = 0), sampled at a few timesteps, for DiffusionScheduleTest. Re-implements LDM's formulas verbatim
(ldm/modules/diffusionmodules/util.py and ldm/models/diffusion/ddpm.py); run: /usr/bin/python3 make_schedule_fixture.py"""
import json
import numpy as np
import torch


def make_beta_schedule(schedule, n_timestep, linear_start=1e-4, linear_end=2e-2, cosine_s=8e-3):
    if schedule == "linear":
        betas = torch.linspace(linear_start ** 0.5, linear_end ** 0.5, n_timestep, dtype=torch.float64) ** 2
    elif schedule == "cosine":
        timesteps = torch.arange(n_timestep + 1, dtype=torch.float64) / n_timestep + cosine_s
        alphas = timesteps / (1 + cosine_s) * np.pi / 2
        alphas = torch.cos(alphas).pow(2)
        alphas = alphas / alphas[0]
        betas = 1 - alphas[1:] / alphas[:-1]
        betas = np.clip(betas, a_min=0, a_max=0.999)
    elif schedule == "sqrt_linear":
        betas = torch.linspace(linear_start, linear_end, n_timestep, dtype=torch.float64)
    elif schedule == "sqrt":
        betas = torch.linspace(linear_start, linear_end, n_timestep, dtype=torch.float64) ** 0.5
    else:
        raise ValueError(schedule)
    return betas.numpy()


def register(betas):
    alphas = 1. - betas
    ac = np.cumprod(alphas, axis=0)
    acp = np.append(1., ac[:-1])
    pv = betas * (1. - acp) / (1. - ac)
    return {
        "betas": betas, "alphas_cumprod": ac, "alphas_cumprod_prev": acp,
        "sqrt_alphas_cumprod": np.sqrt(ac), "sqrt_one_minus_alphas_cumprod": np.sqrt(1. - ac),
        "log_one_minus_alphas_cumprod": np.log(1. - ac), "sqrt_recip_alphas_cumprod": np.sqrt(1. / ac),
        "sqrt_recipm1_alphas_cumprod": np.sqrt(1. / ac - 1),
        "posterior_variance": pv, "posterior_log_variance_clipped": np.log(np.maximum(pv, 1e-20)),
        "posterior_mean_coef1": betas * np.sqrt(acp) / (1. - ac),
        "posterior_mean_coef2": (1. - acp) * np.sqrt(alphas) / (1. - ac),
    }


T = 1000
idx = [0, 1, 2, 10, 99, 250, 499, 500, 777, 998, 999]
cases = []
for name, start, end in [("linear", 0.0015, 0.0155), ("linear", 1e-4, 2e-2), ("cosine", 0.0015, 0.0155),
                         ("sqrt", 0.0015, 0.0155), ("sqrt_linear", 0.0015, 0.0155)]:
    consts = register(make_beta_schedule(name, T, start, end))
    cases.append({"schedule": name, "timesteps": T, "linear_start": start, "linear_end": end, "cosine_s": 8e-3,
                  "index": idx, "values": {k: [float(v[i]) for i in idx] for k, v in consts.items()}})
with open("ldm_schedules.json", "w") as f:
    json.dump({"generator": "make_schedule_fixture.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
