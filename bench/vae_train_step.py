#!/usr/bin/python3
"""PyTorch twin of the VAE baselines' training step (org.factorlab.vae), for timing against the SameDiff graphs.

Builds the networks of VaeNetworks the way disentanglement_lib describes them -- written here from that description,
not copied:
  * encoder q(z|x): conv 32 k4 s2 p1, conv 32 k4 s2 p1, conv 64 k2 s2, conv 64 k2 s2 (ReLU; TF "same" padding for
    even sides), flatten 4x4x64, dense 256 ReLU, dense heads for the means and log-variances. At 32x32 the last k2
    conv is left out, so the map is 4x4x64 at both sizes.
  * decoder p(x|z): dense 256 ReLU, dense 1024 ReLU, reshape [64, 4, 4], transposed convs k4 s2 p1 to 64, 32, 32
    (ReLU) and C: Bernoulli logits. At 32x32 the second 32-channel transposed conv is left out.
  * factorvae: discriminator of 6 x (dense --disc-hidden, leaky ReLU 0.2) + dense 2 on the codes.
  * ivae: conditional prior p(z|u), two MLPs u -> --prior-hidden -> --prior-hidden -> latents (leaky ReLU 0.1) for
    the mean and the log-variance; the encoder sees x only, as in the Java graphs.
One training step: reparameterised sample, Bernoulli reconstruction (sigmoid cross-entropy summed per image, batch
mean) plus
  betavae:   beta * KL(q || N(0, I))
  betatcvae: KL + (beta - 1) * TC (minibatch-weighted sampling, disentanglement_lib's total_correlation)
  factorvae: KL + gamma * mean(D(z)[:, 0] - D(z)[:, 1]) with D frozen in that term, plus the discriminator loss
             0.5 * (CE(D(z.detach()), 0) + CE(D(permute_dims(z.detach())), 1)): one backward of the sum, as the
             Java graph routes it with stop-gradients; Adam(1e-4, 0.9, 0.999) for the VAE, Adam(1e-4, 0.5, 0.9) for D.
  ivae:      KL(q(z|x) || p(z|u)) with u random, Adam on everything.
Default PyTorch initialisation, as the Java graphs draw it. Inputs are random images in [0, 1]: the timing does not
depend on the data.

Prints progress and parameter counts to stderr and, as the last stdout line, the median of the timed steps:
  torch ms/step: 12.3
Run: /usr/bin/python3 bench/vae_train_step.py --model factorvae --image-size 64 --batch 64 --threads 2
"""
import argparse
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MODELS = ("betavae", "betatcvae", "factorvae", "ivae")


def stages(image_size):
    if image_size not in (32, 64):
        raise SystemExit(f"--image-size must be 32 or 64 (model.imageSize), got {image_size}")
    return 4 if image_size == 64 else 3


class Encoder(nn.Module):
    def __init__(self, channels, image_size, latents):
        super().__init__()
        widths, kernels = [32, 32, 64, 64], [4, 4, 2, 2]
        layers, cin = [], channels
        for w, k in list(zip(widths, kernels))[:stages(image_size)]:
            layers += [nn.Conv2d(cin, w, k, 2, 1 if k == 4 else 0), nn.ReLU()]
            cin = w
        self.convs = nn.Sequential(*layers, nn.Flatten(), nn.Linear(1024, 256), nn.ReLU())
        self.mean = nn.Linear(256, latents)
        self.log_var = nn.Linear(256, latents)

    def forward(self, x):
        h = self.convs(x)
        return self.mean(h), self.log_var(h)


class Decoder(nn.Module):
    def __init__(self, latents, channels, image_size):
        super().__init__()
        self.dense = nn.Sequential(nn.Linear(latents, 256), nn.ReLU(), nn.Linear(256, 1024), nn.ReLU())
        widths = [64, 32, 32, channels] if stages(image_size) == 4 else [64, 32, channels]
        layers, cin = [], 64
        for i, w in enumerate(widths):
            layers.append(nn.ConvTranspose2d(cin, w, 4, 2, 1))
            if i < len(widths) - 1:
                layers.append(nn.ReLU())
            cin = w
        self.deconvs = nn.Sequential(*layers)

    def forward(self, z):
        return self.deconvs(self.dense(z).view(-1, 64, 4, 4))


def mlp(sizes, slope):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(slope))
    return nn.Sequential(*layers)


def discriminator(latents, hidden):
    return mlp([latents] + [hidden] * 6 + [2], 0.2)


class ConditionalPrior(nn.Module):
    def __init__(self, u_dim, latents, hidden):
        super().__init__()
        self.mean = mlp([u_dim, hidden, hidden, latents], 0.1)
        self.log_var = mlp([u_dim, hidden, hidden, latents], 0.1)

    def forward(self, u):
        return self.mean(u), self.log_var(u)


# ---------------------------------------------------------------- losses (per example unless stated)

def kl_standard_normal(mean, log_var):
    return 0.5 * (mean ** 2 + log_var.exp() - log_var - 1).sum(1)


def kl_diagonal(mean_q, log_var_q, mean_p, log_var_p):
    return 0.5 * (log_var_p - log_var_q + (log_var_q.exp() + (mean_q - mean_p) ** 2) / log_var_p.exp() - 1).sum(1)


def total_correlation(z, mean, log_var):
    """Scalar; log_q[j, i, l] = log N(z[j, l]; mean[i, l], exp(log_var[i, l])), constant dropped."""
    d = z[:, None, :] - mean[None, :, :]
    log_q = -0.5 * (d * d * torch.exp(-log_var[None]) + log_var[None] + math.log(2 * math.pi))
    return (torch.logsumexp(log_q.sum(2), 1) - torch.logsumexp(log_q, 1).sum(1)).mean()


def permute_dims(z, gen):
    """An independent permutation of the batch per latent dimension."""
    idx = torch.rand(z.shape, generator=gen).argsort(0).to(z.device)
    return z.gather(0, idx)


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", choices=MODELS, required=True)
    p.add_argument("--image-size", type=int, default=64, help="32 or 64 (model.imageSize)")
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--latents", type=int, default=10)
    p.add_argument("--beta", type=float, default=6.0, help="betavae's KL weight; betatcvae's TC weight is beta - 1")
    p.add_argument("--gamma", type=float, default=10.0, help="factorvae's TC weight")
    p.add_argument("--disc-hidden", type=int, default=1000, help="factorvae discriminator width")
    p.add_argument("--u-dim", type=int, default=10, help="ivae auxiliary variable size")
    p.add_argument("--prior-hidden", type=int, default=50, help="ivae prior MLP width")
    p.add_argument("--steps", type=int, default=10, help="timed steps (median reported)")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (>= 1)")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    p.add_argument("--device", default="cpu", help="cpu (the comparison with ND4J) or cuda")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    stages(a.image_size)
    a.warmup = max(1, a.warmup)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    torch.manual_seed(a.seed)
    enc = Encoder(a.channels, a.image_size, a.latents).to(dev)
    dec = Decoder(a.latents, a.channels, a.image_size).to(dev)
    disc = discriminator(a.latents, a.disc_hidden).to(dev) if a.model == "factorvae" else None
    prior = ConditionalPrior(a.u_dim, a.latents, a.prior_hidden).to(dev) if a.model == "ivae" else None
    vae_params = list(enc.parameters()) + list(dec.parameters()) + (list(prior.parameters()) if prior else [])
    opt = torch.optim.Adam(vae_params, lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    opt_d = torch.optim.Adam(disc.parameters(), lr=a.lr, betas=(0.5, 0.9)) if disc else None
    counts = {"encoder": n_params(enc), "decoder": n_params(dec)}
    if disc:
        counts["discriminator"] = n_params(disc)
    if prior:
        counts["prior"] = n_params(prior)
    log(f"{a.model} {a.image_size}x{a.image_size}x{a.channels}, {a.latents} latents, batch {a.batch}: parameters "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + f"; {torch.get_num_threads()} threads")

    gen = torch.Generator().manual_seed(a.seed)
    x = torch.rand(a.batch, a.channels, a.image_size, a.image_size, generator=gen).to(dev)
    u = torch.randn(a.batch, a.u_dim, generator=gen).to(dev)

    def step():
        mean, log_var = enc(x)
        z = mean + torch.exp(log_var / 2) * torch.randn(mean.shape, generator=gen).to(dev)
        logits = dec(z)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum((1, 2, 3)).mean()
        if a.model == "ivae":
            p_mean, p_log_var = prior(u)
            loss = recon + kl_diagonal(mean, log_var, p_mean, p_log_var).mean()
        else:
            kl = kl_standard_normal(mean, log_var).mean()
            if a.model == "betavae":
                loss = recon + a.beta * kl
            elif a.model == "betatcvae":
                loss = recon + kl + (a.beta - 1) * total_correlation(z, mean, log_var)
            else:
                for q in disc.parameters():  # D frozen for the VAE's TC term (the Java graph's stop-gradient)
                    q.requires_grad_(False)
                d_z = disc(z)
                for q in disc.parameters():
                    q.requires_grad_(True)
                tc = (d_z[:, 0] - d_z[:, 1]).mean()
                zd = z.detach()
                real, permuted = disc(zd), disc(permute_dims(zd, gen))
                zeros = torch.zeros(a.batch, dtype=torch.long, device=dev)
                d_loss = 0.5 * (F.cross_entropy(real, zeros) + F.cross_entropy(permuted, zeros + 1))
                loss = recon + kl + a.gamma * tc + d_loss
        opt.zero_grad(set_to_none=True)
        if opt_d:
            opt_d.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if opt_d:
            opt_d.step()
        return loss.item()  # .item() waits for the device

    time_steps(step, a.steps, a.warmup, log, "{:.2f}")


def time_steps(step, steps, warmup, log, loss_format):
    """Runs `warmup` untimed steps, then times `steps` steps and prints the lines `bench train-step` reads: the process
    CPU time per step (all threads; independent of other processes' load) and the median wall time per step."""
    for _ in range(warmup):
        step()
    times = []
    cpu0 = time.process_time()
    for i in range(steps):
        t0 = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - t0) * 1000)
        log(f"step {i + 1}/{steps} {times[-1]:.1f} ms (loss {loss_format.format(loss)})")
    print(f"torch cpu ms/step: {(time.process_time() - cpu0) * 1000 / steps:.3f}", flush=True)
    print(f"torch ms/step: {statistics.median(times):.3f}", flush=True)


if __name__ == "__main__":
    main()
