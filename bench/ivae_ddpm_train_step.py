#!/usr/bin/python3
"""PyTorch twin of the ivae-ddpm family's training step (org.factorlab.ivaeddpm), for timing against the SameDiff graph.

Assembled from the other twins -- written here from the architecture description, not copied:
  * the iVAE of bench/vae_train_step.py: encoder q(z|x) (or q(z|x,u) with --encoder-input x_u: u joined to the
    flattened conv features), conditional prior p(z|u) (mean and log-variance MLPs), decoder to logits;
  * the U-Net of bench/unet_train_step.py (LDM's, scale-shift norm, ResBlock up/down), conditioned on z either by
    AdaGN (every ResBlock: h = GN(h)(1 + s_t) + b_t, then h (1 + s_c) + b_c with (s_c, b_c) = Linear(z)), or by
    cross-attention over one token per entry of z (EncDiff's per-scalar token MLPs); without tokens the spatial
    transformers have no cross-attention, as in the Java graph.
One training step: reparameterised z, x_hat = 2 sigmoid(decoder(z)) - 1, q_sample of x with a random timestep and
noise, eps prediction by the U-Net conditioned on z, and
  L = mean (eps_hat - eps)^2 + lambda_rec mean (x - x_hat)^2 + lambda_kl mean_b KL(q(z|x) || p(z|u)),
backward, Adam on everything. Inputs are random: the timing does not depend on the data.

Prints progress to stderr and, as the last stdout line, the median of the timed steps:
  torch ms/step: 12.3
Run: /usr/bin/python3 bench/ivae_ddpm_train_step.py --image-size 32 --batch 32 --model-channels 16 --threads 2
"""
import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import unet_train_step as U  # noqa: E402
import vae_train_step as V  # noqa: E402


class CondResBlock(U.ResBlock):
    """ResBlock with AdaGN: emb is (time embedding, z) when z conditions by scale-shift."""

    cond_dim = 0

    def __init__(self, ch, emb_ch, out_ch, groups, down=False, up=False):
        super().__init__(ch, emb_ch, out_ch, groups, down, up)
        self.cond = nn.Linear(self.cond_dim, 2 * out_ch) if self.cond_dim else None

    def forward(self, x, emb):
        temb, z = emb
        h = F.silu(self.norm1(x))
        h = self.conv1(self.resample(h))
        x = self.resample(x)
        scale, shift = self.emb(F.silu(temb))[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        if self.cond is not None:
            s, b = self.cond(z)[:, :, None, None].chunk(2, dim=1)
            h = h * (1 + s) + b
        h = self.conv2(F.silu(h))
        return self.skip(x) + h


class Transformer(U.SpatialTransformer):
    """Without tokens, no cross-attention (the Java graph's spatial transformer with context null)."""

    def forward(self, x, context):
        b, c, hh, ww = x.shape
        h = self.proj_in(self.norm(x))
        h = h.flatten(2).transpose(1, 2)
        h = self.attn1(self.norm1(h)) + h
        if context is not None:
            h = self.attn2(self.norm2(h), context) + h
        h = self.ff(self.norm3(h)) + h
        h = h.transpose(1, 2).reshape(b, -1, hh, ww)
        return self.proj_out(h) + x


class CondUNet(U.UNet):
    def forward(self, x, t, context, z):
        emb = (self.time_embed(U.timestep_embedding(t, self.mc)), z)
        hs, h = [], x
        for block in self.input_blocks:
            h = block(h, emb, context)
            hs.append(h)
        h = self.middle_block(h, emb, context)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb, context)
        return self.out(h)


class EncoderU(V.Encoder):
    """q(z|x,u): u joined to the flattened conv features before the dense layer."""

    def __init__(self, channels, image_size, latents, u_dim):
        super().__init__(channels, image_size, latents)
        convs = list(self.convs.children())[:-3]  # drop Flatten, Linear, ReLU
        self.convs = nn.Sequential(*convs, nn.Flatten())
        self.fc = nn.Sequential(nn.Linear(1024 + u_dim, 256), nn.ReLU())

    def forward(self, x, u):
        h = self.fc(torch.cat([self.convs(x), u], 1))
        return self.mean(h), self.log_var(h)


def ints(text):
    return [int(v) for v in text.split(",") if v.strip()]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--latents", type=int, default=10)
    p.add_argument("--u-dim", type=int, default=6)
    p.add_argument("--prior-hidden", type=int, default=50)
    p.add_argument("--encoder-input", choices=("x", "x_u"), default="x")
    p.add_argument("--conditioning", choices=("adagn", "cross_attention"), default="adagn")
    p.add_argument("--token-dim", type=int, default=32)
    p.add_argument("--token-hidden", type=ints, default=[64, 128], help="hidden1,hidden2 of the token MLPs")
    p.add_argument("--model-channels", type=int, default=64)
    p.add_argument("--channel-mult", type=ints, default=[1, 2, 2])
    p.add_argument("--num-res-blocks", type=int, default=2)
    p.add_argument("--attention-resolutions", type=ints, default=[2])
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--norm-groups", type=int, default=32)
    p.add_argument("--lambda-rec", type=float, default=0.1)
    p.add_argument("--lambda-kl", type=float, default=5e-4)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    a.warmup = max(1, a.warmup)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    cross = a.conditioning == "cross_attention"
    CondResBlock.cond_dim = 0 if cross else a.latents
    U.ResBlock, U.SpatialTransformer = CondResBlock, Transformer  # the U-Net builder's blocks
    groups = min(a.norm_groups, a.model_channels)
    unet = CondUNet(a.channels, a.channels, a.model_channels, a.channel_mult, a.num_res_blocks, set(a.attention_resolutions),
                    a.heads, a.token_dim if cross else None, groups)
    enc = EncoderU(a.channels, a.image_size, a.latents, a.u_dim) if a.encoder_input == "x_u" else V.Encoder(a.channels, a.image_size, a.latents)
    dec = V.Decoder(a.latents, a.channels, a.image_size)
    prior = V.ConditionalPrior(a.u_dim, a.latents, a.prior_hidden)
    tokens = None
    if cross:
        h1, h2 = a.token_hidden
        tokens = nn.ModuleList(nn.Sequential(nn.Linear(1, h1), nn.ELU(), nn.Linear(h1, h2), nn.ELU(), nn.Linear(h2, a.token_dim))
                               for _ in range(a.latents))
    modules = [unet, enc, dec, prior] + ([tokens] if tokens is not None else [])
    params = [q for m in modules for q in m.parameters()]
    opt = torch.optim.Adam(params, lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    log(f"ivae-ddpm {a.image_size}x{a.image_size}x{a.channels}, {a.latents} latents, {a.conditioning}, batch {a.batch}: "
        f"U-Net {V.n_params(unet):,}, encoder {V.n_params(enc):,}, decoder {V.n_params(dec):,}, prior {V.n_params(prior):,} parameters; "
        f"{torch.get_num_threads()} threads")

    gen = torch.Generator().manual_seed(a.seed)
    x = torch.rand(a.batch, a.channels, a.image_size, a.image_size, generator=gen) * 2 - 1
    u = torch.rand(a.batch, a.u_dim, generator=gen)
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    abar = torch.cumprod(1 - betas, 0).float()

    def step():
        mean, log_var = enc(x, u) if a.encoder_input == "x_u" else enc(x)
        z = mean + torch.exp(log_var / 2) * torch.randn(mean.shape, generator=gen)
        x_hat = 2 * torch.sigmoid(dec(z)) - 1
        p_mean, p_log_var = prior(u)
        kl = V.kl_diagonal(mean, log_var, p_mean, p_log_var).mean()
        t = torch.randint(0, 1000, (a.batch,), generator=gen)
        eps = torch.randn(x.shape, generator=gen)
        ab = abar[t][:, None, None, None]
        xt = ab.sqrt() * x + (1 - ab).sqrt() * eps
        context = torch.stack([mlp(z[:, i:i + 1]) for i, mlp in enumerate(tokens)], dim=1) if cross else None
        eps_hat = unet(xt, t.float(), context, z)
        loss = F.mse_loss(eps_hat, eps) + a.lambda_rec * F.mse_loss(x_hat, x) + a.lambda_kl * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    V.time_steps(step, a.steps, a.warmup, log, "{:.4f}")


if __name__ == "__main__":
    main()
