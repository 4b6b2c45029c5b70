#!/usr/bin/env python3
"""PyTorch twins of PLSC-J's built-in backbones (org.plscj.model), layer for layer.

Used by bench/torch_train_step.py (the PyTorch peer of `plsc bench train`); run on its own it
checks every backbone's trainable parameter count against the count-only reference
src/test/resources/fixtures/model/param_counts.json and prints a table:

  /usr/bin/python3 bench/torch_backbones.py            # counts only (no forward)
  /usr/bin/python3 bench/torch_backbones.py --forward  # also one eval forward of [2,3,112,112]

Java class -> here:
  ConvBn                 -> ConvBn          conv (no bias) -> BN2d -> optional PReLU (per channel / shared)
  ResidualBlock          -> ResidualBlock   y = body(BN(x)) + shortcut(x)   (basic / PLSC bottleneck)
  FlatEmbedding          -> FlatEmbedding   BN2d -> flatten -> dropout -> FC(+bias) -> BN1d
  FaceResNet+ResNetRecipe-> FaceResNet      IResNet18/34/50/100, PLSC v1 ResNet50/101/152
  DepthWise              -> DepthWise       expand 1x1 -> dw 3x3 -> project 1x1 (+x)
  GlobalDepthwiseEmbedding -> GlobalDepthwiseEmbedding   dw 7x7 -> BN -> FC(no bias) -> BN1d
  MobileFaceNet          -> MobileFaceNet   STANDARD (1,4,6,2)x2, LITE (1,2,2,1)x1
  WeightInit             -> init_iresnet / init_fan_out_normal / init_vit
  VisionTransformer      -> make_vit_fixtures.VisionTransformer (src/test/resources/fixtures/model): arcface_torch's
                            vit.py written out, ViT-T / ViT-S; its attention is arcface_torch's softmax(q.k^T * scale).v
                            (torch 1.13 has no scaled_dot_product_attention; PLSC-J calls libtorch's fused one)

The Java side computes a strided 1x1 conv as a stride-1 conv of x[:, :, ::s, ::s] (a oneDNN
workaround); that is the same math, so here it is the plain strided conv.
"""
import math

import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "fixtures",
                                "model"))
import make_vit_fixtures  # noqa: E402

TORCH_BN_EPS = 1e-5  # Layers.TORCH_BN_EPS
PLSC_BN_EPS = 2e-5   # NormStyle.PLSC
PRELU_INIT = 0.25    # Layers.PRELU_INIT

NONE, PRELU_PER_CHANNEL, PRELU_SHARED = "none", "prelu_per_channel", "prelu_shared"  # Activation


def conv(cin, cout, k, stride=1, pad=0, groups=1):
    """ConvSpec -> bias-free Conv2d."""
    return nn.Conv2d(cin, cout, k, stride=stride, padding=pad, groups=groups, bias=False)


class ConvBn(nn.Module):
    """conv (no bias) -> BatchNorm2d -> optional PReLU."""

    def __init__(self, cin, cout, k, stride=1, pad=0, groups=1, eps=TORCH_BN_EPS, activation=NONE):
        super().__init__()
        self.conv = conv(cin, cout, k, stride, pad, groups)
        self.bn = nn.BatchNorm2d(cout, eps=eps)
        if activation == PRELU_PER_CHANNEL:
            self.prelu = nn.PReLU(cout, init=PRELU_INIT)
        elif activation == PRELU_SHARED:
            self.prelu = nn.PReLU(1, init=PRELU_INIT)
        else:
            self.prelu = None

    def forward(self, x):
        y = self.bn(self.conv(x))
        return y if self.prelu is None else self.prelu(y)


class NormStyle:
    """BN epsilon + PReLU kind of a residual network."""

    def __init__(self, eps, activation):
        self.eps, self.activation = eps, activation

    def activated(self, *a, **kw):
        return ConvBn(*a, eps=self.eps, activation=self.activation, **kw)

    def linear(self, *a, **kw):
        return ConvBn(*a, eps=self.eps, activation=NONE, **kw)


ARCFACE = NormStyle(TORCH_BN_EPS, PRELU_PER_CHANNEL)
PLSC = NormStyle(PLSC_BN_EPS, PRELU_SHARED)


class ResidualBlock(nn.Module):
    """Pre-normalised residual block: y = body(BN(x)) + shortcut(x), shortcut = strided 1x1 conv + BN
    when the shape changes, identity otherwise."""

    def __init__(self, style, cin, cout, stride, bottleneck):
        super().__init__()
        self.bn = nn.BatchNorm2d(cin, eps=style.eps)
        if bottleneck:  # PLSC v1: 1x1(out/4) -> 3x3 -> 1x1(out, stride)
            mid = cout // 4
            body = [style.activated(cin, mid, 1),
                    style.activated(mid, mid, 3, pad=1),
                    style.linear(mid, cout, 1, stride=stride)]
        else:  # IBasicBlock: 3x3 -> 3x3(stride)
            body = [style.activated(cin, cout, 3, pad=1),
                    style.linear(cout, cout, 3, stride=stride, pad=1)]
        self.body = nn.Sequential(*body)
        shape_changes = stride != 1 or cin != cout
        self.downsample = style.linear(cin, cout, 1, stride=stride) if shape_changes else None

    def forward(self, x):
        residual = self.body(self.bn(x))
        return residual + (x if self.downsample is None else self.downsample(x))


class FlatEmbedding(nn.Module):
    """e = BN1d(W . flatten(dropout(BN2d(x))) + b); frozen_scale fixes BN1d's gamma at 1 (no grad)."""

    def __init__(self, channels, pixels, emb, eps, dropout, frozen_scale):
        super().__init__()
        self.dropout = dropout
        self.bn = nn.BatchNorm2d(channels, eps=eps)
        self.fc = nn.Linear(channels * pixels, emb, bias=True)
        self.features = nn.BatchNorm1d(emb, eps=eps)
        if frozen_scale:
            with torch.no_grad():
                self.features.weight.fill_(1.0)
            self.features.weight.requires_grad_(False)

    def forward(self, x):
        y = torch.flatten(self.bn(x), 1)
        if self.dropout > 0:
            y = F.dropout(y, self.dropout, self.training)
        return self.features(self.fc(y))


STAGE_WIDTHS = (64, 128, 256, 512)
FINAL_PIXELS = 7 * 7

# ResNetRecipe: (depths, bottleneck, style, dropout, frozen feature scale, init)
RECIPES = {
    "IResNet18": ((2, 2, 2, 2), False, ARCFACE, 0.0, True, "iresnet"),
    "IResNet34": ((3, 4, 6, 3), False, ARCFACE, 0.0, True, "iresnet"),
    "IResNet50": ((3, 4, 14, 3), False, ARCFACE, 0.0, True, "iresnet"),
    "IResNet100": ((3, 13, 30, 3), False, ARCFACE, 0.0, True, "iresnet"),
    "ResNet50": ((3, 4, 14, 3), False, PLSC, 0.4, False, "fan_out_normal"),
    "ResNet101": ((3, 4, 23, 3), True, PLSC, 0.4, False, "fan_out_normal"),
    "ResNet152": ((3, 8, 36, 3), True, PLSC, 0.4, False, "fan_out_normal"),
}


class FaceResNet(nn.Module):
    """conv3x3(3->64)+BN+PReLU at 112x112; stages 64/128/256/512, first block stride 2
    (112->56->28->14->7); FlatEmbedding."""

    def __init__(self, emb, recipe):
        super().__init__()
        depths, bottleneck, style, dropout, frozen, init = recipe
        self.stem = style.activated(3, STAGE_WIDTHS[0], 3, pad=1)
        blocks = []
        cin = STAGE_WIDTHS[0]
        for width, n in zip(STAGE_WIDTHS, depths):
            for i in range(n):
                blocks.append(ResidualBlock(style, cin, width, 2 if i == 0 else 1, bottleneck))
                cin = width
        self.blocks = nn.Sequential(*blocks)
        self.embedding = FlatEmbedding(cin, FINAL_PIXELS, emb, style.eps, dropout, frozen)
        (init_iresnet if init == "iresnet" else init_fan_out_normal)(self)

    def forward(self, images):
        return self.embedding(self.blocks(self.stem(images)))


class DepthWise(nn.Module):
    """expand 1x1 -> BN -> PReLU -> depthwise 3x3(stride) -> BN -> PReLU -> project 1x1 -> BN (+x)."""

    def __init__(self, cin, cout, hidden, stride, residual):
        super().__init__()
        self.residual = residual
        self.conv1 = ConvBn(cin, hidden, 1, activation=PRELU_PER_CHANNEL)
        self.conv2 = ConvBn(hidden, hidden, 3, stride=stride, pad=1, groups=hidden, activation=PRELU_PER_CHANNEL)
        self.conv3 = ConvBn(hidden, cout, 1, activation=NONE)

    def forward(self, x):
        y = self.conv3(self.conv2(self.conv1(x)))
        return y + x if self.residual else y


class GlobalDepthwiseEmbedding(nn.Module):
    """GDC: 7x7 depthwise conv -> BN -> FC(no bias) -> BN1d."""

    def __init__(self, channels, emb):
        super().__init__()
        self.pool = ConvBn(channels, channels, 7, groups=channels, activation=NONE)
        self.fc = nn.Linear(channels, emb, bias=False)
        self.features = nn.BatchNorm1d(emb, eps=TORCH_BN_EPS)

    def forward(self, x):
        return self.features(self.fc(torch.flatten(self.pool(x), 1)))


MBF_STANDARD = ((1, 4, 6, 2), 2)
MBF_LITE = ((1, 2, 2, 1), 1)
STEM_GROUPS = 64
FEATURE_CHANNELS = 512


class MobileFaceNet(nn.Module):
    def __init__(self, emb, shape):
        super().__init__()
        blocks, scale = shape
        c64, c128 = 64 * scale, 128 * scale
        layers = [ConvBn(3, c64, 3, stride=2, pad=1, activation=PRELU_PER_CHANNEL)]
        if blocks[0] == 1:
            layers.append(ConvBn(c64, c64, 3, pad=1, groups=STEM_GROUPS, activation=PRELU_PER_CHANNEL))
        else:
            layers += [DepthWise(c64, c64, 128, 1, True) for _ in range(blocks[0])]
        layers.append(DepthWise(c64, c64, 128, 2, False))
        layers += [DepthWise(c64, c64, 128, 1, True) for _ in range(blocks[1])]
        layers.append(DepthWise(c64, c128, 256, 2, False))
        layers += [DepthWise(c128, c128, 256, 1, True) for _ in range(blocks[2])]
        layers.append(DepthWise(c128, c128, 512, 2, False))
        layers += [DepthWise(c128, c128, 256, 1, True) for _ in range(blocks[3])]
        layers.append(ConvBn(c128, FEATURE_CHANNELS, 1, activation=PRELU_PER_CHANNEL))
        layers.append(GlobalDepthwiseEmbedding(FEATURE_CHANNELS, emb))
        self.layers = nn.Sequential(*layers)
        init_fan_out_normal(self)

    def forward(self, images):
        return self.layers(images)


class TinyFaceNet(nn.Module):
    """Four stride-2 conv-BN-PReLU stages (112 -> 7; widths 32, 64, 128, 128), then FlatEmbedding."""

    def __init__(self, emb):
        super().__init__()
        layers, cin = [], 3
        for width in (32, 64, 128, 128):
            layers.append(ConvBn(cin, width, 3, stride=2, pad=1, activation=PRELU_PER_CHANNEL))
            cin = width
        layers.append(FlatEmbedding(cin, FINAL_PIXELS, emb, TORCH_BN_EPS, 0.0, False))
        self.layers = nn.Sequential(*layers)
        init_fan_out_normal(self)

    def forward(self, images):
        return self.layers(images)


# ---- WeightInit ---------------------------------------------------------------------------------
@torch.no_grad()
def init_iresnet(model):
    """arcface_torch IResNet: conv W ~ N(0, 0.1^2); Linear keeps PyTorch's default."""
    for _, p in model.named_parameters():
        if p.dim() == 4:
            p.normal_(0, 0.1)


@torch.no_grad()
def init_fan_out_normal(model):
    """W ~ N(0, 2/fan_out) for conv and fc weights (fan_out = out x kernel area, groups ignored),
    fc bias 0."""
    for name, p in model.named_parameters():
        if p.dim() == 4 or name.endswith("fc.weight"):
            fan_out = p.size(0) * (p.size(2) * p.size(3) if p.dim() == 4 else 1)
            p.normal_(0, math.sqrt(2.0 / fan_out))
        elif name.endswith("fc.bias"):
            p.zero_()


@torch.no_grad()
def init_vit(model):
    """arcface_torch ViT: linear weights, pos_embed, mask_token N(0, 0.02^2), biases 0 but the patch conv's."""
    for name, p in model.named_parameters():
        if name.startswith("patch_embed."):
            continue
        if p.dim() >= 2:
            p.normal_(0, 0.02)
        elif name.endswith(".bias"):
            p.zero_()


def vit(recipe, emb):
    model = make_vit_fixtures.VisionTransformer(num_features=emb, **recipe)
    init_vit(model)
    return model


# ---- Backbones ----------------------------------------------------------------------------------
NAMES = ("ResNet50", "ResNet101", "ResNet152", "IResNet18", "IResNet34", "IResNet50", "IResNet100",
         "MobileFaceNet", "MobileFaceNetLite", "TinyFaceNet", "ViT-T", "ViT-S")
ALIASES = {"r18": "IResNet18", "r34": "IResNet34", "r50": "IResNet50", "r100": "IResNet100",
           "mbf": "MobileFaceNet", "vit_t": "ViT-T", "vit_s": "ViT-S"}


def canonical(name):
    key = name.strip().lower()
    for n in NAMES:
        if n.lower() == key:
            return n
    if key in ALIASES:
        return ALIASES[key]
    raise ValueError(f"unknown model '{name}': use one of {list(NAMES)} (or r18, r34, r50, r100, mbf, vit_t, vit_s)")


def build(name, emb_dim):
    """A new backbone in training mode: images [B,3,112,112] -> embeddings [B, emb_dim]."""
    name = canonical(name)
    if name in RECIPES:
        return FaceResNet(emb_dim, RECIPES[name])
    if name == "MobileFaceNet":
        return MobileFaceNet(emb_dim, MBF_STANDARD)
    if name == "TinyFaceNet":
        return TinyFaceNet(emb_dim)
    if name == "ViT-T":
        return vit(make_vit_fixtures.VIT_T, emb_dim)
    if name == "ViT-S":
        return vit(make_vit_fixtures.VIT_S, emb_dim)
    return MobileFaceNet(emb_dim, MBF_LITE)


def trainable_count(m):
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def total_count(m):
    """Parameters + buffers (BN running stats, num_batches_tracked): param_counts.json's "total"."""
    return sum(p.numel() for p in m.parameters()) + sum(b.numel() for b in m.buffers())


def _main():
    import json
    here = os.path.dirname(os.path.abspath(__file__))
    ref_path = os.path.join(here, "..", "src", "test", "resources", "fixtures", "model", "param_counts.json")
    with open(ref_path) as f:
        ref = json.load(f)
    forward = "--forward" in sys.argv[1:]
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    ok = True
    print(f"{'model':<18} {'emb':>4} {'trainable':>11} {'reference':>11} {'total':>11} {'ref total':>11}  check"
          + ("  forward" if forward else ""))
    for name in NAMES:
        emb = ref[name].get("emb_dim", 512)
        m = build(name, emb)
        tr, tot = trainable_count(m), total_count(m)
        good = tr == ref[name]["trainable"] and tot == ref[name]["total"]
        ok &= good
        line = (f"{name:<18} {emb:>4} {tr:>11,} {ref[name]['trainable']:>11,} {tot:>11,} {ref[name]['total']:>11,}  "
                f"{'ok' if good else 'MISMATCH'}")
        if forward:
            with torch.no_grad():
                y = m.eval()(torch.randn(2, 3, 112, 112))
            shape_ok = tuple(y.shape) == (2, emb)
            ok &= shape_ok
            line += f"  {list(y.shape)}{'' if shape_ok else ' BAD'}"
        print(line)
    print("all match" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    _main()
