#!/usr/bin/python3
"""PyTorch side of `factorlab bench train-step --model disdiff`: one DisDiff training step, the twin of Factorlab's
(model-lib org.factorlab.disdiff, docs/disdiff.md), written from that description:

  * the parent U-Net (LDM layout, no conditioning: time embedding, input conv, ResBlocks with scale-shift norm and
    ResBlock down/up-sampling, self-attention transformers at --attention-ds and in the middle block, GN-SiLU-zero
    conv out) runs frozen under no_grad: its input blocks give the bottleneck and skips, its decoder eps_theta;
  * G, a second decoder half freshly initialised, whose ResBlocks take a second scale-shift from the unit's condition
    SiLU(Linear(z^c)) after the timestep one, runs once over the trunk tiled N times (one set of weights, N units);
  * the part embedding: rows of expm(W - W^T) through a Linear, added to the time embedding;
  * Encoder4 (batch norm) -> N units x unit-dim;
  * reconstruction loss L1 (or l2) of eps_theta + shift_coef_t sum_k G_k against the noise;
  * disentangling loss through E', an eval-mode copy of the encoder refreshed every step: variant and invariant
    logits of per-unit distances, cross-entropy against the sampled unit, weighted by mean((x0_hat - sg(x0_hat_new))^2);
  * AdamW on encoder, G, part embedding and condition layer; EMA of them.
Inputs are random: the time does not depend on the data. Prints progress and `torch ms/step: X` (the median).
"""
import argparse
import copy
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet_train_step import Attention, EncResBlock, GEGLUFeedForward, ResBlock, timestep_embedding, zero  # noqa: E402


def ints(text):
    return [int(x) for x in text.split(",") if x.strip()]


def groups_for(ch, pref):
    """The largest group count <= pref that divides ch."""
    g = min(pref, ch)
    while ch % g:
        g -= 1
    return g


class ResBlockShift(ResBlock):
    """ResBlock with DisDiff's second scale-shift: h = GN(h)(1 + s_t) + b_t; h = h(1 + s_c) + b_c."""

    def __init__(self, ch, emb_ch, out_ch, groups, down=False, up=False, cond_ch=0):
        super().__init__(ch, emb_ch, out_ch, groups, down, up)
        self.cond = nn.Linear(cond_ch, 2 * out_ch) if cond_ch else None

    def forward(self, x, emb, cond=None):
        h = F.silu(self.norm1(x))
        h = self.conv1(self.resample(h))
        x = self.resample(x)
        scale, shift = self.emb(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        if self.cond is not None:
            cs, cb = self.cond(cond)[:, :, None, None].chunk(2, dim=1)
            h = h * (1 + cs) + cb
        h = self.conv2(F.silu(h))
        return self.skip(x) + h


class SelfTransformer(nn.Module):
    """A spatial transformer without context: GN, proj in, LN + self-attention, LN + GEGLU, zero proj out, residual."""

    def __init__(self, ch, heads, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups_for(ch, groups), ch, eps=1e-6)
        self.proj_in = nn.Linear(ch, ch)
        self.norm1, self.attn1 = nn.LayerNorm(ch), Attention(ch, heads, ch // heads)
        self.norm3, self.ff = nn.LayerNorm(ch), GEGLUFeedForward(ch)
        self.proj_out = zero(nn.Linear(ch, ch))

    def forward(self, x):
        b, c, hh, ww = x.shape
        t = self.proj_in(self.norm(x).flatten(2).transpose(1, 2))
        t = t + self.attn1(self.norm1(t))
        t = t + self.ff(self.norm3(t))
        return x + self.proj_out(t).transpose(1, 2).reshape(b, c, hh, ww)


def run_blocks(layers, h, emb, cond):
    for layer in layers:
        h = layer(h, emb, cond) if isinstance(layer, ResBlockShift) else layer(h)
    return h


class Trunk(nn.Module):
    """Time embedding, input conv and input blocks: (emb, bottleneck, skips)."""

    def __init__(self, a):
        super().__init__()
        mc, e = a.model_channels, 4 * a.model_channels
        self.mc = mc
        self.time_embed = nn.Sequential(nn.Linear(mc, e), nn.SiLU(), nn.Linear(e, e))
        self.conv_in = nn.Conv2d(a.channels, mc, 3, padding=1)
        self.blocks = nn.ModuleList()
        self.chans, ch, ds = [mc], mc, 1
        for level, m in enumerate(a.channel_mult):
            for _ in range(a.num_res_blocks):
                layers = [ResBlockShift(ch, e, m * mc, groups_for(m * mc, a.groups))]
                ch = m * mc
                if ds in a.attention_ds:
                    layers.append(SelfTransformer(ch, a.heads, a.groups))
                self.blocks.append(nn.ModuleList(layers))
                self.chans.append(ch)
            if level != len(a.channel_mult) - 1:
                self.blocks.append(nn.ModuleList([ResBlockShift(ch, e, ch, groups_for(ch, a.groups), down=True)]))
                self.chans.append(ch)
                ds *= 2
        self.out_ch = ch

    def forward(self, x, t):
        emb = self.time_embed(timestep_embedding(t, self.mc))
        h = self.conv_in(x)
        hs = [h]
        for block in self.blocks:
            h = run_blocks(block, h, emb, None)
            hs.append(h)
        return emb, h, hs


class Head(nn.Module):
    """Middle block, output blocks on the trunk's skips, GN-SiLU-zero conv; cond_ch > 0 makes every ResBlock a shift one."""

    def __init__(self, a, chans, ch, cond_ch=0):
        super().__init__()
        mc, e = a.model_channels, 4 * a.model_channels
        chans = list(chans)
        ds = 2 ** (len(a.channel_mult) - 1)

        def res(cin, cout, **kw):
            return ResBlockShift(cin, e, cout, groups_for(cout, a.groups), cond_ch=cond_ch, **kw)

        self.middle = nn.ModuleList([res(ch, ch), SelfTransformer(ch, a.heads, a.groups), res(ch, ch)])
        self.blocks = nn.ModuleList()
        for level, m in list(enumerate(a.channel_mult))[::-1]:
            for i in range(a.num_res_blocks + 1):
                layers = [res(ch + chans.pop(), m * mc)]
                ch = m * mc
                if ds in a.attention_ds:
                    layers.append(SelfTransformer(ch, a.heads, a.groups))
                if level and i == a.num_res_blocks:
                    layers.append(res(ch, ch, up=True))
                    ds //= 2
                self.blocks.append(nn.ModuleList(layers))
        self.out = nn.Sequential(nn.GroupNorm(groups_for(ch, a.groups), ch), nn.SiLU(), zero(nn.Conv2d(ch, a.channels, 3, padding=1)))

    def forward(self, h, hs, emb, cond=None):
        hs = list(hs)
        h = run_blocks(self.middle, h, emb, cond)
        for block in self.blocks:
            h = run_blocks(block, torch.cat([h, hs.pop()], dim=1), emb, cond)
        return self.out(h)


class Encoder(nn.Module):
    """Encoder4 as Factorlab builds it: convs 4x4/2 + BN (+ReLU except the third), ResBlocks, BN, ReLU, Linear."""

    def __init__(self, a):
        super().__init__()
        d, layers, cin = a.enc_channels, [], a.channels
        for i in range(a.enc_downsamples):
            layers += [nn.Conv2d(cin, d, 4, 2, 1), nn.BatchNorm2d(d)] + ([] if i == 2 else [nn.ReLU()])
            cin = d
        layers += [EncResBlock(d) for _ in range(a.enc_res_blocks)] + [nn.BatchNorm2d(d), nn.ReLU(), nn.Flatten()]
        side = a.image_size >> a.enc_downsamples
        layers.append(nn.Linear(d * side * side, a.units * a.unit_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--model-channels", type=int, default=8)
    p.add_argument("--channel-mult", type=ints, default=[1, 2])
    p.add_argument("--num-res-blocks", type=int, default=1)
    p.add_argument("--attention-ds", type=ints, default=[])
    p.add_argument("--heads", type=int, default=2)
    p.add_argument("--groups", type=int, default=4)
    p.add_argument("--enc-channels", type=int, default=8)
    p.add_argument("--enc-downsamples", type=int, default=4)
    p.add_argument("--enc-res-blocks", type=int, default=1)
    p.add_argument("--units", type=int, default=6)
    p.add_argument("--unit-dim", type=int, default=32)
    p.add_argument("--dis-weight", type=float, default=0.05)
    p.add_argument("--loss", choices=["l1", "mse"], default="l1")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--ema", type=float, default=0.99)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args(argv)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    n, d, b, s, c = a.units, a.unit_dim, a.batch, a.image_size, a.channels
    e = 4 * a.model_channels
    half = e // 2

    trunk = Trunk(a)
    parent_head = Head(a, trunk.chans, trunk.out_ch)
    for m in (trunk, parent_head):
        m.requires_grad_(False)
        m.eval()
    enc = Encoder(a)
    enc_copy = copy.deepcopy(enc).requires_grad_(False).eval()
    g = Head(a, trunk.chans, trunk.out_ch, cond_ch=e)
    part_latents = nn.Parameter(torch.randn(half, half))
    part_emb, cond_layer = nn.Linear(half, e), nn.Linear(d, e)
    trainable = list(enc.parameters()) + list(g.parameters()) + [part_latents] + list(part_emb.parameters()) + list(cond_layer.parameters())
    ema = [q.detach().clone() for q in trainable]
    opt = torch.optim.AdamW(trainable, lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

    betas = torch.linspace(math.sqrt(0.0015), math.sqrt(0.0155), 1000, dtype=torch.float64) ** 2
    alphas = 1 - betas
    abar = torch.cumprod(alphas, 0)
    abar_prev = torch.cat([torch.ones(1, dtype=torch.float64), abar[:-1]])
    shift_coef = (-alphas.sqrt() * (1 - abar_prev) / (1 - abar).sqrt()).float()
    ddim_coef = (-(1 - abar).sqrt()).float()
    recip, recipm1 = (1 / abar).sqrt().float(), (1 / abar - 1).sqrt().float()
    abar = abar.float()
    x0 = torch.rand(b, c, s, s) * 2 - 1
    n_trainable = sum(q.numel() for q in trainable)
    n_frozen = sum(q.numel() for q in list(trunk.parameters()) + list(parent_head.parameters()))
    print(f"DisDiff twin: {s}x{s}x{c}, batch {b}, {n} units x {d}, U-Net mc {a.model_channels} mult {a.channel_mult}, "
          f"{n_trainable:,} trainable + {n_frozen:,} frozen parameters, torch threads {torch.get_num_threads()}", flush=True)

    def norm(v):
        return (v.pow(2).sum(-1) + 1e-12).sqrt()

    def step():
        t = torch.randint(0, 1000, (b,))
        noise = torch.randn(b, c, s, s)
        col = lambda v: v[t].view(b, 1, 1, 1)
        xt = col(abar).sqrt() * x0 + (1 - col(abar)).sqrt() * noise
        unit = torch.randint(0, n, (b,))
        with torch.no_grad():
            emb, h, hs = trunk(xt, t)
            eps_theta = parent_head(h, hs, emb)
        z = enc(x0)
        parts = part_emb(torch.matrix_exp(part_latents - part_latents.t())[:n])
        emb_u = (emb[None] + parts[:, None]).reshape(n * b, e)
        cond = F.silu(cond_layer(z.view(b, n, d).transpose(0, 1).reshape(n * b, d)))
        gk = g(h.repeat(n, 1, 1, 1), [q.repeat(n, 1, 1, 1) for q in hs], emb_u, cond).view(n, b, c, s, s)
        diff = eps_theta + col(shift_coef) * gk.sum(0) - noise
        recon = diff.abs().mean() if a.loss == "l1" else diff.pow(2).mean()
        g_sampled = gk[unit, torch.arange(b)]
        x0_hat = col(recip) * xt - col(recipm1) * eps_theta
        x0_new = col(recip) * xt - col(recipm1) * (eps_theta + col(ddim_coef) * g_sampled)
        enc_copy.load_state_dict(enc.state_dict())
        both = enc_copy(torch.cat([x0_hat, x0_new])).view(2, b, n, d)
        z_det = z.detach().view(b, n, d)
        variant = norm(both[0] - z_det) - norm(both[1] - z_det)
        invariant = norm(both[0] - both[1])
        weight = (x0_hat - x0_new.detach()).pow(2).mean((1, 2, 3)).detach()
        dis_v = (weight * F.cross_entropy(variant, unit, reduction="none")).mean()
        dis_i = (weight * F.cross_entropy(invariant, unit, reduction="none")).mean()
        total = recon + a.dis_weight * (dis_v + dis_i)
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        with torch.no_grad():
            for m, q in zip(ema, trainable):
                m.mul_(a.ema).add_(q.detach(), alpha=1 - a.ema)
        return total.item()

    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        loss = step()
        ms = (time.perf_counter() - t0) * 1000
        print(f"step {i}: {ms:.1f} ms, total loss {loss:.4f}{' (warm-up)' if i < a.warmup else ''}", flush=True)
        if i >= a.warmup:
            times.append(ms)
    print(f"torch ms/step: {statistics.median(times):.2f}")


if __name__ == "__main__":
    main()
