#!/usr/bin/python3
"""Checks bench/unet_train_step.py's U-Net against latent diffusion's own UNetModel (a CompVis/latent-diffusion
checkout): same parameter count and shapes, and the same output for the same weights and inputs.
Run: /usr/bin/python3 bench/check_unet_against_ldm.py --ldm /path/to/latent-diffusion
einops and omegaconf are replaced by the few lines LDM's U-Net needs, so only torch is required."""
import argparse
import os
import sys
import types

import torch


def install_stubs():
    einops = types.ModuleType("einops")

    def rearrange(t, pattern, **kw):
        if pattern == 'b c h w -> b (h w) c':
            b, c, h, w = t.shape
            return t.reshape(b, c, h * w).transpose(1, 2)
        if pattern == 'b (h w) c -> b c h w':
            b, n, c = t.shape
            return t.transpose(1, 2).reshape(b, c, kw['h'], kw['w'])
        if pattern == 'b n (h d) -> (b h) n d':
            b, n, hd = t.shape
            h = kw['h']
            return t.reshape(b, n, h, hd // h).permute(0, 2, 1, 3).reshape(b * h, n, hd // h)
        if pattern == '(b h) n d -> b n (h d)':
            bh, n, d = t.shape
            h = kw['h']
            return t.reshape(bh // h, h, n, d).permute(0, 2, 1, 3).reshape(bh // h, n, h * d)
        raise NotImplementedError(pattern)

    einops.rearrange = rearrange
    einops.repeat = lambda *a, **k: (_ for _ in ()).throw(NotImplementedError("repeat"))
    sys.modules["einops"] = einops
    omegaconf = types.ModuleType("omegaconf")
    listconfig = types.ModuleType("omegaconf.listconfig")
    listconfig.ListConfig = type("ListConfig", (list,), {})
    omegaconf.listconfig = listconfig
    sys.modules["omegaconf"] = omegaconf
    sys.modules["omegaconf.listconfig"] = listconfig


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ldm", required=True, help="latent-diffusion checkout (the directory holding ldm/)")
    p.add_argument("--model-channels", type=int, default=64)
    p.add_argument("--channel-mult", default="1,2,4,4")
    p.add_argument("--attention-resolutions", default="1,2,4")
    p.add_argument("--heads", type=int, default=8)
    a = p.parse_args()
    install_stubs()
    sys.path.insert(0, a.ldm)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from ldm.modules.diffusionmodules.openaimodel import UNetModel
    import unet_train_step as ours

    mult = [int(x) for x in a.channel_mult.split(",")]
    attn = [int(x) for x in a.attention_resolutions.split(",")]
    torch.manual_seed(0)
    ldm = UNetModel(image_size=16, in_channels=3, out_channels=3, model_channels=a.model_channels,
                    attention_resolutions=attn, num_res_blocks=2, channel_mult=mult, num_heads=a.heads,
                    use_scale_shift_norm=True, resblock_updown=True, use_spatial_transformer=True,
                    transformer_depth=1, context_dim=16)
    mine = ours.UNet(3, 3, a.model_channels, mult, 2, set(attn), a.heads, 16, 32)
    theirs_sd, mine_sd = ldm.state_dict(), mine.state_dict()
    assert len(theirs_sd) == len(mine_sd), f"{len(theirs_sd)} LDM tensors vs {len(mine_sd)}"
    for (tn, tv), (mn, mv) in zip(theirs_sd.items(), mine_sd.items()):
        assert tv.shape == mv.shape, f"{tn} {tuple(tv.shape)} vs {mn} {tuple(mv.shape)}"
    # Random (non-zero) weights everywhere so that the zero-initialised layers do not hide differences.
    with torch.no_grad():
        for v in theirs_sd.values():
            if v.is_floating_point():
                v.copy_(torch.randn_like(v) * 0.05)
    mine.load_state_dict({mn: tv for (mn, _), tv in zip(mine_sd.items(), theirs_sd.values())})
    ldm.eval()
    mine.eval()
    x = torch.randn(4, 3, 16, 16)
    t = torch.tensor([0, 10, 500, 999])
    ctx = torch.randn(4, 20, 16)
    with torch.no_grad():
        y_ldm = ldm(x, timesteps=t, context=ctx)
        y_mine = mine(x, t, ctx)
    diff = (y_ldm - y_mine).abs().max().item()
    n = sum(v.numel() for v in mine.parameters())
    print(f"parameters: {n:,} (LDM {sum(v.numel() for v in ldm.parameters()):,}); "
          f"{len(mine_sd)} tensors with equal shapes; max |output difference| = {diff:.3e} (scale {y_ldm.abs().max():.3f})")
    if diff > 1e-6 * max(1.0, y_ldm.abs().max().item()):  # float32 rounding only
        raise SystemExit("outputs differ")


if __name__ == "__main__":
    main()
