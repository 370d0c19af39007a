#!/usr/bin/python3
"""PyTorch side of `factorlab bench train-step`: one EncDiff training step of the reference network.

Builds the network of docs/reference.md the way latent diffusion (LDM) builds it -- written here from
the architecture description, not copied:
  * U-Net (LDM openaimodel.UNetModel): model_channels 64, channel_mult [1,2,4,4], 2 ResBlocks per level,
    scale-shift norm, ResBlock up/down (resblock_updown), spatial transformers at the levels whose downsampling
    factor ds is in --attention-resolutions (LDM semantics: ds = 1, 2, 4, 8 for four levels; the middle block
    always has one; default 1,2,4 as the official Shapes3D config, i.e. feature maps 16/8/4 on the 16x16 latent),
    8 heads with dim_head = ch // heads, transformer depth 1, context_dim 16.
  * Spatial transformer (LDM attention.SpatialTransformer): GroupNorm(eps 1e-6), 1x1 conv in, LN + self-attention,
    LN + cross-attention over the tokens (no q/k/v bias), LN + GEGLU feed-forward (x4), zero-initialised 1x1 conv out,
    residual.
  * Encoder4 (DisDiff/EncDiff code): 4 x conv 4x4/2 128 ch + BN (+ReLU except the third), ResBlock, BN, ReLU,
    ResBlock, flatten 2048, Linear -> 20.
  * 20 non-shared token MLPs Linear(1,64)-ELU-Linear(64,128)-ELU-Linear(128,16) -> 20 tokens of dim 16.
One training step: encoder + MLPs on the 64x64x3 image (--encoder-input-size), q_sample of the [B,3,S,S] input
(S = --input-size, 16 = the VQ latent) with LDM's linear schedule (0.0015..0.0155, T=1000), eps-prediction,
L1 (or --loss l2) loss, backward, AdamW. Inputs are random: the timing does not depend on the data.

Prints progress to stderr and one JSON object on the last stdout line:
  {"framework": "pytorch", "config": {...}, "params": {...}, "modules": {...}, "results": [{"input_size": 16,
   "ms_per_step": ..., "images_per_s": ..., "gflop_per_step": ...}, ...]}
Run: /usr/bin/python3 bench/unet_train_step.py --threads 2 --steps 3
Reduced: --model-channels 32 --channel-mult 1,2 --attention-resolutions 2 --heads 4 --norm-groups 8 --batch 16
"""
import argparse
import json
import math
import os
import platform
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def ints(text):
    return [int(x) for x in text.split(",") if x.strip()]


# ---------------------------------------------------------------- U-Net building blocks (LDM openaimodel)

def timestep_embedding(t, dim, max_period=10000):
    """LDM's sinusoidal embedding: [cos(t f), sin(t f)], f = exp(-ln(max_period) i / half)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


def zero(module):
    for p in module.parameters():
        p.detach().zero_()
    return module


class ResBlock(nn.Module):
    """GN-SiLU-conv, time embedding as scale-shift of the second GN, SiLU-conv(zero); optional avg-pool down or
    nearest up applied to both paths between the first norm/activation and the conv (LDM's updown)."""

    def __init__(self, ch, emb_ch, out_ch, groups, down=False, up=False):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, ch)
        self.conv1 = nn.Conv2d(ch, out_ch, 3, padding=1)
        self.emb = nn.Linear(emb_ch, 2 * out_ch)
        self.norm2 = nn.GroupNorm(groups, out_ch)
        self.conv2 = zero(nn.Conv2d(out_ch, out_ch, 3, padding=1))
        self.skip = nn.Identity() if out_ch == ch else nn.Conv2d(ch, out_ch, 1)
        self.down, self.up = down, up

    def resample(self, x):
        if self.down:
            return F.avg_pool2d(x, 2, 2)
        if self.up:
            return F.interpolate(x, scale_factor=2, mode="nearest")
        return x

    def forward(self, x, emb):
        h = F.silu(self.norm1(x))
        h = self.conv1(self.resample(h))
        x = self.resample(x)
        scale, shift = self.emb(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(F.silu(h))
        return self.skip(x) + h


class Attention(nn.Module):
    """LDM CrossAttention: no q/k/v bias, softmax(q k^T / sqrt(d)) v, output Linear with bias."""

    def __init__(self, dim, heads, dim_head, context_dim=None):
        super().__init__()
        inner = heads * dim_head
        context_dim = context_dim or dim
        self.heads, self.scale = heads, dim_head ** -0.5
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Linear(inner, dim)

    def forward(self, x, context=None):
        context = x if context is None else context
        b, n, _ = x.shape
        m = context.shape[1]
        h = self.heads
        q = self.to_q(x).view(b, n, h, -1).transpose(1, 2)
        k = self.to_k(context).view(b, m, h, -1).transpose(1, 2)
        v = self.to_v(context).view(b, m, h, -1).transpose(1, 2)
        attn = (q @ k.transpose(-1, -2) * self.scale).softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(b, n, -1)
        FLOPS.add(2 * 2 * b * h * n * m * q.shape[-1])  # the two batched matmuls
        return self.to_out(out)


class GEGLUFeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.proj = nn.Linear(dim, dim * mult * 2)
        self.out = nn.Linear(dim * mult, dim)

    def forward(self, x):
        a, gate = self.proj(x).chunk(2, dim=-1)
        return self.out(a * F.gelu(gate))


class SpatialTransformer(nn.Module):
    def __init__(self, ch, heads, dim_head, context_dim, groups):
        super().__init__()
        inner = heads * dim_head
        # Registration order = LDM's (attn1, ff, attn2, norm1..3), so state dicts line up for check_unet_against_ldm.py.
        self.norm = nn.GroupNorm(groups, ch, eps=1e-6)
        self.proj_in = nn.Conv2d(ch, inner, 1)
        self.attn1 = Attention(inner, heads, dim_head)
        self.ff = GEGLUFeedForward(inner)
        self.attn2 = Attention(inner, heads, dim_head, context_dim)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(inner), nn.LayerNorm(inner), nn.LayerNorm(inner)
        self.proj_out = zero(nn.Conv2d(inner, ch, 1))

    def forward(self, x, context):
        b, c, hh, ww = x.shape
        h = self.proj_in(self.norm(x))
        h = h.flatten(2).transpose(1, 2)
        h = self.attn1(self.norm1(h)) + h
        h = self.attn2(self.norm2(h), context) + h
        h = self.ff(self.norm3(h)) + h
        h = h.transpose(1, 2).reshape(b, -1, hh, ww)
        return self.proj_out(h) + x


class Block(nn.ModuleList):
    """LDM's TimestepEmbedSequential."""

    def forward(self, x, emb, context):
        for layer in self:
            if isinstance(layer, ResBlock):
                x = layer(x, emb)
            elif isinstance(layer, SpatialTransformer):
                x = layer(x, context)
            else:
                x = layer(x)
        return x


class UNet(nn.Module):
    def __init__(self, in_ch, out_ch, mc, mult, n_res, attn_ds, heads, context_dim, groups):
        super().__init__()
        emb_ch = mc * 4
        self.mc = mc
        self.time_embed = nn.Sequential(nn.Linear(mc, emb_ch), nn.SiLU(), nn.Linear(emb_ch, emb_ch))

        def transformer(ch):
            return SpatialTransformer(ch, heads, ch // heads, context_dim, groups)

        self.input_blocks = nn.ModuleList([Block([nn.Conv2d(in_ch, mc, 3, padding=1)])])
        chans, ch, ds = [mc], mc, 1
        for level, m in enumerate(mult):
            for _ in range(n_res):
                layers = [ResBlock(ch, emb_ch, m * mc, groups)]
                ch = m * mc
                if ds in attn_ds:
                    layers.append(transformer(ch))
                self.input_blocks.append(Block(layers))
                chans.append(ch)
            if level != len(mult) - 1:
                self.input_blocks.append(Block([ResBlock(ch, emb_ch, ch, groups, down=True)]))
                chans.append(ch)
                ds *= 2
        self.middle_block = Block([ResBlock(ch, emb_ch, ch, groups), transformer(ch), ResBlock(ch, emb_ch, ch, groups)])
        self.output_blocks = nn.ModuleList()
        for level, m in list(enumerate(mult))[::-1]:
            for i in range(n_res + 1):
                layers = [ResBlock(ch + chans.pop(), emb_ch, m * mc, groups)]
                ch = m * mc
                if ds in attn_ds:
                    layers.append(transformer(ch))
                if level and i == n_res:
                    layers.append(ResBlock(ch, emb_ch, ch, groups, up=True))
                    ds //= 2
                self.output_blocks.append(Block(layers))
        self.out = nn.Sequential(nn.GroupNorm(groups, ch), nn.SiLU(), zero(nn.Conv2d(mc, out_ch, 3, padding=1)))

    def forward(self, x, t, context):
        emb = self.time_embed(timestep_embedding(t, self.mc))
        hs, h = [], x
        for block in self.input_blocks:
            h = block(h, emb, context)
            hs.append(h)
        h = self.middle_block(h, emb, context)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb, context)
        return self.out(h)


# ---------------------------------------------------------------- EncDiff encoder and token MLPs

class EncResBlock(nn.Module):
    """x + conv1x1(ReLU(BN(conv3x3(ReLU(x)))))."""

    def __init__(self, d):
        super().__init__()
        self.convs = nn.Sequential(nn.ReLU(), nn.Conv2d(d, d, 3, padding=1), nn.BatchNorm2d(d), nn.ReLU(), nn.Conv2d(d, d, 1))

    def forward(self, x):
        return x + self.convs(x)


class Encoder4(nn.Module):
    def __init__(self, image_size, d=128, k=20, in_ch=3):
        super().__init__()
        if image_size % 16:
            raise SystemExit(f"--encoder-input-size must be a multiple of 16, got {image_size}")
        side = image_size // 16
        self.net = nn.Sequential(
            nn.Conv2d(in_ch, d, 4, 2, 1), nn.BatchNorm2d(d), nn.ReLU(),
            nn.Conv2d(d, d, 4, 2, 1), nn.BatchNorm2d(d), nn.ReLU(),
            nn.Conv2d(d, d, 4, 2, 1), nn.BatchNorm2d(d),
            nn.Conv2d(d, d, 4, 2, 1), nn.BatchNorm2d(d), nn.ReLU(),
            EncResBlock(d), nn.BatchNorm2d(d), nn.ReLU(), EncResBlock(d),
            nn.Flatten(), nn.Linear(d * side * side, k))

    def forward(self, x):
        return self.net(x)


class ConfigEncoder4(nn.Module):
    """Encoder4 as org.factorlab.nn.Encoder4 lays it out from a config (model.encoder): `downsamples` x conv 4x4/2 + BN
    (+ReLU except after the third), `res_blocks` ResBlocks, BN, ReLU, flatten, Linear -> k."""

    def __init__(self, image_size, d, k, downsamples, res_blocks, in_ch=3):
        super().__init__()
        side = image_size >> downsamples
        if side < 1 or side << downsamples != image_size:
            raise SystemExit(f"image size {image_size} is not divisible by 2^{downsamples}")
        layers, cin = [], in_ch
        for i in range(downsamples):
            layers += [nn.Conv2d(cin, d, 4, 2, 1), nn.BatchNorm2d(d)] + ([] if i == 2 else [nn.ReLU()])
            cin = d
        layers += [EncResBlock(d) for _ in range(res_blocks)]
        layers += [nn.BatchNorm2d(d), nn.ReLU(), nn.Flatten(), nn.Linear(d * side * side, k)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class TokenMlps(nn.Module):
    """One MLP per scalar (not shared): [B, K] -> [B, K, token_dim]."""

    def __init__(self, k=20, token_dim=16, hidden=(64, 128)):
        super().__init__()
        h1, h2 = hidden
        self.mlps = nn.ModuleList(nn.Sequential(nn.Linear(1, h1), nn.ELU(), nn.Linear(h1, h2), nn.ELU(),
                                                nn.Linear(h2, token_dim)) for _ in range(k))

    def forward(self, z):
        return torch.stack([mlp(z[:, i:i + 1]) for i, mlp in enumerate(self.mlps)], dim=1)


def attention_ds(a, size):
    """The downsampling factors that get a spatial transformer on a size x size input: --attention-sides when given
    (feature-map sides, e.g. 16,8,4 -> ds 1,2,4 on 16x16 and ds 2,4,8 on 32x32), else --attention-resolutions."""
    if not a.attention_sides:
        return set(a.attention_resolutions)
    levels = [2 ** i for i in range(len(a.channel_mult))]
    return {size // s for s in a.attention_sides if size % s == 0 and size // s in levels}


class EncDiff(nn.Module):
    def __init__(self, a, attn_ds):
        super().__init__()
        if a.encoder_channels:  # a model config's encoder (bench train-step --config)
            self.encoder = ConfigEncoder4(a.encoder_input_size, a.encoder_channels, a.tokens, a.encoder_downsamples,
                                          a.encoder_res_blocks, a.in_channels)
        else:
            self.encoder = Encoder4(a.encoder_input_size, k=a.tokens)
        self.token_mlps = TokenMlps(a.tokens, a.context_dim, a.token_hidden)
        self.unet = UNet(a.in_channels, a.in_channels, a.model_channels, a.channel_mult, a.num_res_blocks,
                         attn_ds, a.heads, a.context_dim, a.norm_groups)

    def forward(self, xt, t, image):
        return self.unet(xt, t, self.token_mlps(self.encoder(image)))


# ---------------------------------------------------------------- FLOP count (forward; x3 for a training step)

class FlopCounter:
    def __init__(self):
        self.total = 0
        self.enabled = False

    def add(self, n):
        if self.enabled:
            self.total += n


FLOPS = FlopCounter()


def count_hooks(model):
    def conv(m, inp, out):
        FLOPS.add(2 * out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1])

    def linear(m, inp, out):
        FLOPS.add(2 * out.numel() * m.in_features)

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(conv)
        elif isinstance(m, nn.Linear):
            m.register_forward_hook(linear)


# ---------------------------------------------------------------- the training step

def linear_schedule_alphas_cumprod(T=1000, start=0.0015, end=0.0155):
    betas = torch.linspace(start ** 0.5, end ** 0.5, T, dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, 0).float()


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def module_counts(model):
    counts = {}
    for m in model.modules():
        name = type(m).__name__
        if len(list(m.children())) == 0 or isinstance(m, (ResBlock, SpatialTransformer, Attention, EncResBlock)):
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def run(a, size, model, opt, abar, log):
    B = a.batch
    dev = torch.device(a.device)
    gen = torch.Generator().manual_seed(a.seed)
    x0 = torch.randn(B, a.in_channels, size, size, generator=gen).to(dev)
    # pixel-space configs (--pixel) encode the clean image itself, as the EncDiff family does without a first stage
    image = x0 if a.pixel else torch.randn(B, 3, a.encoder_input_size, a.encoder_input_size, generator=gen).to(dev)

    def step(count_flops=False):
        t = torch.randint(0, abar.shape[0], (B,), generator=gen).to(dev)
        noise = torch.randn(x0.shape, generator=gen).to(dev)
        ab = abar[t][:, None, None, None]
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
        FLOPS.enabled, FLOPS.total = count_flops, 0
        out = model(xt, t, image)
        FLOPS.enabled = False
        target = ab.sqrt() * noise - (1 - ab).sqrt() * x0 if a.parameterization == "v" else noise
        loss = (out - target).abs().mean() if a.loss == "l1" else ((out - target) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if a.clip_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip_grad_norm)
        opt.step()
        return loss.item()  # .item() waits for the device

    step(count_flops=True)  # warm-up (allocations, oneDNN primitive caches) and the forward FLOP count
    forward_flops = FLOPS.total
    for _ in range(a.warmup - 1):
        step()
    times = []
    cpu0 = time.process_time()
    for i in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - t0) * 1000)
        log(f"input {size}x{size}: step {i + 1}/{a.steps} {times[-1]:.1f} ms (loss {loss:.4f})")
    if a.profile:  # one more step under torch's profiler: self CPU time per op type, for docs/performance.md
        with torch.autograd.profiler.profile() as prof:
            step()
        log(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))
    ms = statistics.median(times)
    cpu_ms = (time.process_time() - cpu0) * 1000 / a.steps  # process CPU time, all threads: load-independent
    if a.summary:
        print(f"torch cpu ms/step: {cpu_ms:.3f}", flush=True)
        print(f"torch ms/step: {ms:.3f}", flush=True)
    return {"cpu_ms_per_step": cpu_ms, "input_size": size, "batch": B, "steps": a.steps, "ms_per_step": ms, "ms_per_step_all": times,
            "images_per_s": B / (ms / 1000), "gflop_per_step": 3 * forward_flops / 1e9,
            "gflop_forward": forward_flops / 1e9,
            # peak resident memory of the process so far (Linux reports KiB)
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--input-size", type=ints, default=[16, 32], help="U-Net input sides, comma separated (16 = latent)")
    p.add_argument("--encoder-input-size", type=int, default=64, help="side of the image Encoder4 sees")
    p.add_argument("--in-channels", type=int, default=3)
    p.add_argument("--model-channels", type=int, default=64)
    p.add_argument("--channel-mult", type=ints, default=[1, 2, 4, 4])
    p.add_argument("--num-res-blocks", type=int, default=2)
    p.add_argument("--attention-resolutions", type=ints, default=[1, 2, 4],
                   help="downsampling factors ds (LDM semantics) whose levels get a spatial transformer; "
                        "1,2,4 = feature maps 16, 8, 4 on the 16x16 latent (see docs/diffusion.md)")
    p.add_argument("--attention-sides", type=ints, default=None,
                   help="feature-map sides that get a spatial transformer, mapped to ds per input size "
                        "(overrides --attention-resolutions; 16,8,4 = the reference 'attention at 16/8/4')")
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--norm-groups", type=int, default=32)
    p.add_argument("--tokens", type=int, default=20)
    p.add_argument("--context-dim", type=int, default=16)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=3, help="timed steps (median reported)")
    p.add_argument("--warmup", type=int, default=1, help="untimed steps first (>= 1)")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    p.add_argument("--loss", choices=["l1", "l2"], default="l1")
    p.add_argument("--device", default="cpu", help="cpu (the comparison with ND4J) or cuda")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--encoder-channels", type=int, default=0,
                   help="a config's Encoder4 width (model.encoder.channels); 0 = the reference Encoder4 (128 channels)")
    p.add_argument("--encoder-downsamples", type=int, default=4)
    p.add_argument("--encoder-res-blocks", type=int, default=1)
    p.add_argument("--token-hidden", type=ints, default=[64, 128], help="hidden1,hidden2 of the token MLPs")
    p.add_argument("--pixel", action="store_true", help="the encoder sees the clean U-Net input (pixel-space EncDiff)")
    p.add_argument("--parameterization", choices=["eps", "v"], default="eps")
    p.add_argument("--optimizer", choices=["adam", "adamw"], default="adamw")
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--clip-grad-norm", type=float, default=0.0)
    p.add_argument("--profile", action="store_true", help="print self CPU time per op type of one extra step (stderr)")
    p.add_argument("--summary", action="store_true",
                   help="also print 'torch cpu ms/step: X' and 'torch ms/step: X' lines (bench train-step --config)")
    p.add_argument("--params-only", action="store_true", help="build and count, no timing")
    p.add_argument("--dump-params", metavar="FILE", help="write every parameter's name and shape as JSON")
    a = p.parse_args(argv)
    a.warmup = max(1, a.warmup)
    for m in a.channel_mult:
        if (m * a.model_channels) % a.norm_groups or (m * a.model_channels) % a.heads:
            raise SystemExit(f"channels {m * a.model_channels} must be divisible by --norm-groups {a.norm_groups} "
                             f"and --heads {a.heads}")
    down = 2 ** (len(a.channel_mult) - 1)
    for s in a.input_size:
        if s % down:
            raise SystemExit(f"--input-size {s} must be divisible by {down} (channel_mult has {len(a.channel_mult)} levels)")
    if a.threads > 0:
        torch.set_num_threads(a.threads)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    def build(size):
        torch.manual_seed(a.seed)
        m = EncDiff(a, attention_ds(a, size))
        count_hooks(m)
        return m

    report = None
    for i, size in enumerate(a.input_size):
        # one network serves every size unless the attention levels depend on it
        if i == 0 or a.attention_sides:
            model = build(size)
            params = {"unet": n_params(model.unet), "encoder": n_params(model.encoder),
                      "token_mlps": n_params(model.token_mlps), "total": n_params(model)}
            blocks = {}
            for name, prm in model.named_parameters():
                parts = name.split(".")
                key = ".".join(parts[:3]) if parts[:2] in (["unet", "input_blocks"], ["unet", "output_blocks"]) else ".".join(parts[:2])
                blocks[key] = blocks.get(key, 0) + prm.numel()
            if a.dump_params and i == 0:
                with open(a.dump_params, "w") as f:
                    json.dump({n: list(prm.shape) for n, prm in model.named_parameters()}, f, indent=0)
            log(f"EncDiff reference network (input {size}x{size}, attention at ds {sorted(attention_ds(a, size))}): "
                f"{params['total']:,} parameters (U-Net {params['unet']:,}, Encoder4 {params['encoder']:,}, "
                f"token MLPs {params['token_mlps']:,}); {torch.get_num_threads()} threads")
            if report is None:
                config = {k: v for k, v in vars(a).items() if k not in ("params_only", "dump_params")}
                report = {"framework": "pytorch", "torch": torch.__version__, "device": a.device,
                          "python": platform.python_version(), "threads": torch.get_num_threads(), "cpus": os.cpu_count(),
                          "load_average_before": os.getloadavg()[0], "config": config, "params": params,
                          "params_by_block": blocks, "modules": module_counts(model), "results": []}
            if a.params_only:
                continue
            opt = (torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay) if a.optimizer == "adamw"
                   else torch.optim.Adam(model.parameters(), lr=a.lr))
            model.to(a.device)
            model.train()
        if a.params_only:
            continue
        abar = linear_schedule_alphas_cumprod().to(a.device)
        r = run(a, size, model, opt, abar, log)
        r["params"] = params["total"]
        log(f"input {size}x{size}: {r['ms_per_step']:.1f} ms/step, {r['images_per_s']:.1f} images/s, "
            f"{r['gflop_per_step']:.1f} GFLOP/step")
        report["results"].append(r)
    if not a.params_only:
        report["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
