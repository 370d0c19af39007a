#!/usr/bin/python3
"""PyTorch twin of the vqae training step (org.factorlab.vq), for timing against the SameDiff graph.

Written here from the description in docs/first-stage.md (LDM's first stage), not copied:
  * Encoder: conv_in 3x3 -> ch; per level ResnetBlocks (GroupNorm eps 1e-6, swish, 3x3 convs, 1x1 shortcut when
    the width changes) and AttnBlocks at --attn-resolutions; between levels pad one row/column at the bottom/right and
    a stride-2 3x3 conv; middle ResnetBlock, single-head AttnBlock, ResnetBlock; GroupNorm, swish, conv_out to
    z_channels; quant_conv 1x1 to embed_dim.
  * Quantiser: nearest code in L2, codebook loss mean((sg[z_q] - z)^2) + beta mean((z_q - sg[z])^2), straight-through.
  * Decoder: post_quant_conv, conv_in, middle block, per level (reversed) num_res_blocks + 1 ResnetBlocks and nearest
    x2 upsampling with a 3x3 conv, GroupNorm, swish, conv_out.
  * With --disc: hinge PatchGAN (4x4 convs, LeakyReLU 0.2, BatchNorm) and taming's adaptive weight
    ||grad nll|| / (||grad g|| + 1e-4), clamped to [0, 1e4], x 0.75, both gradients w.r.t. the decoder's last conv
    weight; the discriminator's hinge loss on x and sg(x_rec) from the same forward pass (as the Java step: one
    autoencoder forward per step), each group with its own Adam(lr, 0.5, 0.9).
Loss: L1 + codebook + adaptive weight x generator term. Inputs are random images in [-1, 1].

Prints the parameter count to stderr and, as the last stdout line, the median of the timed steps:
  torch ms/step: 12.3
Run: /usr/bin/python3 bench/vq_train_step.py --image-size 32 --ch 16 --ch-mult 1,2,2 --batch 32 --disc
"""
import argparse
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def groups_for(c, preferred):
    g = min(preferred, c)
    while c % g:
        g -= 1
    return g


def norm(c, groups):
    return nn.GroupNorm(groups_for(c, groups), c, eps=1e-6)


class Res(nn.Module):
    def __init__(self, cin, cout, groups):
        super().__init__()
        self.n1, self.c1 = norm(cin, groups), nn.Conv2d(cin, cout, 3, 1, 1)
        self.n2, self.c2 = norm(cout, groups), nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = self.c1(F.silu(self.n1(x)))
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class Attn(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.n = norm(c, groups)
        self.q, self.k, self.v, self.o = (nn.Conv2d(c, c, 1) for _ in range(4))

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.n(x)
        q = self.q(y).reshape(b, c, h * w).permute(0, 2, 1)
        k = self.k(y).reshape(b, c, h * w)
        a = torch.softmax(torch.bmm(q, k) / c ** 0.5, dim=2)
        v = self.v(y).reshape(b, c, h * w)
        return x + self.o(torch.bmm(v, a.permute(0, 2, 1)).reshape(b, c, h, w))


class Down(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 2, 0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Up(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


def middle(c, groups):
    return [Res(c, c, groups), Attn(c, groups), Res(c, c, groups)]


def encoder(a):
    layers, side, cin = [nn.Conv2d(a.channels, a.ch, 3, 1, 1)], a.image_size, a.ch
    for i, m in enumerate(a.ch_mult):
        cout = a.ch * m
        for _ in range(a.num_res_blocks):
            layers.append(Res(cin, cout, a.groups))
            cin = cout
            if side in a.attn_resolutions:
                layers.append(Attn(cin, a.groups))
        if i < len(a.ch_mult) - 1:
            layers.append(Down(cin))
            side //= 2
    layers += middle(cin, a.groups) + [norm(cin, a.groups), nn.SiLU(), nn.Conv2d(cin, a.z_channels, 3, 1, 1),
                                       nn.Conv2d(a.z_channels, a.embed_dim, 1)]
    return nn.Sequential(*layers)


def decoder(a):
    cin = a.ch * a.ch_mult[-1]
    side = a.image_size // 2 ** (len(a.ch_mult) - 1)
    layers = [nn.Conv2d(a.embed_dim, a.z_channels, 1), nn.Conv2d(a.z_channels, cin, 3, 1, 1)] + middle(cin, a.groups)
    for i in reversed(range(len(a.ch_mult))):
        cout = a.ch * a.ch_mult[i]
        for _ in range(a.num_res_blocks + 1):
            layers.append(Res(cin, cout, a.groups))
            cin = cout
            if side in a.attn_resolutions:
                layers.append(Attn(cin, a.groups))
        if i > 0:
            layers.append(Up(cin))
            side *= 2
    last = nn.Conv2d(cin, a.channels, 3, 1, 1)
    return nn.Sequential(*layers, norm(cin, a.groups), nn.SiLU(), last), last


def discriminator(a):
    f, layers = a.disc_filters, [nn.Conv2d(a.channels, a.disc_filters, 4, 2, 1), nn.LeakyReLU(0.2)]
    mult = 1
    for n in range(1, a.disc_layers):
        prev, mult = mult, min(2 ** n, 8)
        layers += [nn.Conv2d(f * prev, f * mult, 4, 2, 1, bias=False), nn.BatchNorm2d(f * mult), nn.LeakyReLU(0.2)]
    prev, mult = mult, min(2 ** a.disc_layers, 8)
    layers += [nn.Conv2d(f * prev, f * mult, 4, 1, 1, bias=False), nn.BatchNorm2d(f * mult), nn.LeakyReLU(0.2),
               nn.Conv2d(f * mult, 1, 4, 1, 1)]
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--ch", type=int, default=32)
    p.add_argument("--ch-mult", default="1,2,4")
    p.add_argument("--num-res-blocks", type=int, default=2)
    p.add_argument("--attn-resolutions", default="")
    p.add_argument("--z-channels", type=int, default=3)
    p.add_argument("--embed-dim", type=int, default=3)
    p.add_argument("--n-embed", type=int, default=2048)
    p.add_argument("--groups", type=int, default=32)
    p.add_argument("--beta", type=float, default=0.25)
    p.add_argument("--disc", action="store_true")
    p.add_argument("--disc-layers", type=int, default=3)
    p.add_argument("--disc-filters", type=int, default=64)
    p.add_argument("--lr", type=float, default=1.152e-3)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    a.ch_mult = [int(v) for v in a.ch_mult.split(",")]
    a.attn_resolutions = [int(v) for v in a.attn_resolutions.split(",") if v]
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    enc, (dec, last) = encoder(a), decoder(a)
    codebook = nn.Parameter(torch.empty(a.n_embed, a.embed_dim).uniform_(-1.0 / a.n_embed, 1.0 / a.n_embed))
    ae = list(enc.parameters()) + list(dec.parameters()) + [codebook]
    opt = torch.optim.Adam(ae, lr=a.lr, betas=(0.5, 0.9))
    disc = discriminator(a) if a.disc else None
    dopt = torch.optim.Adam(disc.parameters(), lr=a.lr, betas=(0.5, 0.9)) if disc else None
    n = sum(q.numel() for q in ae)
    print(f"autoencoder parameters: {n}" + (f", discriminator {sum(q.numel() for q in disc.parameters())}" if disc else ""),
          file=sys.stderr)
    x = torch.rand(a.batch, a.channels, a.image_size, a.image_size) * 2 - 1

    def step():
        z = enc(x)
        b, e, h, w = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, e)
        d = flat.pow(2).sum(1, keepdim=True) + codebook.pow(2).sum(1) - 2 * flat @ codebook.t()
        zq = codebook[d.argmin(1)].reshape(b, h, w, e).permute(0, 3, 1, 2)
        cb = ((zq.detach() - z) ** 2).mean() + a.beta * ((zq - z.detach()) ** 2).mean()
        rec = dec(z + (zq - z).detach())
        nll = (x - rec).abs().mean()
        loss = nll + cb
        if disc is not None:
            g = -disc(rec).mean()
            gn = torch.autograd.grad(nll, last.weight, retain_graph=True)[0].norm()
            gg = torch.autograd.grad(g, last.weight, retain_graph=True)[0].norm()
            loss = loss + torch.clamp(gn / (gg + 1e-4), 0, 1e4).detach() * 0.75 * g
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if disc is not None:
            dl = 0.5 * (F.relu(1 - disc(x)).mean() + F.relu(1 + disc(rec.detach())).mean())
            dopt.zero_grad(set_to_none=True)
            dl.backward()
            dopt.step()

    for _ in range(a.warmup):
        step()
    ms = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        ms.append((time.perf_counter() - t0) * 1000)
    print(f"steps ms: {[round(v, 1) for v in ms]}")
    print(f"torch ms/step: {statistics.median(ms):.1f}")


if __name__ == "__main__":
    main()
