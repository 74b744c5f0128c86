"""The four networks of HLH-GAN and the feature network phi.

G  (H-L): HQ slice + degradation condition maps -> LQ slice (learns the real degradation).
F  (L-H): LQ slice + missing-region mask -> HQ slice (super-resolution and inpainting at once).
D_G, D_F: discriminators of the LQ and HQ domains.
phi: VGG19 layout; conv4_4 (H-L content), relu5_1 (L-H content), relu3_1 + relu4_1 (texture).
"""
import torch
import torch.nn as nn
import torch.nn.functional as Fn


def conv3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1)


class ResBlock(nn.Module):
    """conv-PReLU-conv plus identity. No batch norm: BN statistics of small patches hurt SR at full slices."""

    def __init__(self, ch, scale=0.1):
        super().__init__()
        self.c1 = conv3(ch, ch)
        self.act = nn.PReLU(ch)
        self.c2 = conv3(ch, ch)
        self.scale = scale

    def forward(self, x):
        return x + self.scale * self.c2(self.act(self.c1(x)))


def fill_missing(lq, mask):
    """Fills the masked pixels from their surroundings by normalised averaging over growing windows
    (3 to 65 pixels): each pass fills the pixels that the window reaches from known ones. A fixed,
    parameter-free first guess; F learns the correction."""
    known = (mask < 0.5).to(lq.dtype)
    out = lq * known
    for k in [3, 5, 9, 17, 33, 65]:
        num = Fn.avg_pool2d(out * known, k, stride=1, padding=k // 2, count_include_pad=False)
        den = Fn.avg_pool2d(known, k, stride=1, padding=k // 2, count_include_pad=False)
        reach = (den > 1e-4) & (known < 0.5)
        out = torch.where(reach, num / den.clamp_min(1e-4), out)
        known = torch.where(reach, torch.ones_like(known), known)
    return out


def fill_harmonic(lq, mask, iterations: int = 64):
    """The average fill, then Jacobi iterations of the Laplace equation inside the hole (known pixels
    fixed): close to harmonic inpainting, which reproduces smooth intensity ramps across the hole."""
    known = (mask < 0.5).to(lq.dtype)
    x = fill_missing(lq, mask)
    for _ in range(iterations):
        x = known * lq + (1.0 - known) * Fn.avg_pool2d(Fn.pad(x, [1, 1, 1, 1], mode="replicate"), 3, stride=1)
    return x


class GeneratorLH(nn.Module):
    """F: optionally with through-plane context (k adjacent LR slices as input channels); residual blocks in groups (paper 12-3-2) with a skip around each group and one around all,
    sub-pixel upsampling, plus a bicubic base of the input whose missing region is pre-filled from
    its surroundings, so that the network learns the residual (inside the hole too)."""

    def __init__(self, scale=2, filters=32, groups=(12, 3, 2), fill: str = "average", context: int = 1):
        super().__init__()
        if scale not in (1, 2, 4):
            raise ValueError("scale must be 1, 2 or 4")
        if fill not in ("average", "harmonic"):
            raise ValueError("fill must be average or harmonic")
        if context < 1 or context % 2 == 0:
            raise ValueError("context must be odd and at least 1")
        self.scale = scale
        self.fill = fill
        self.context = context     # k adjacent LR slices in lq's channels, the centre one enhanced
        self.head = conv3(context + 1, filters)
        self.groups = nn.ModuleList(
            nn.Sequential(*[ResBlock(filters) for _ in range(n)], conv3(filters, filters)) for n in groups)
        ups = []
        for _ in range({1: 0, 2: 1, 4: 2}[scale]):
            ups += [conv3(filters, filters * 4), nn.PixelShuffle(2), nn.PReLU(filters)]
        self.up = nn.Sequential(*ups)
        self.tail = conv3(filters, 1)

    def forward(self, lq, mask):
        """lq (N, k, h, w): k adjacent slices, the centre one (index k // 2) enhanced; mask (N, 1, h, w)
        marks its missing region. k = 1 is the 2D model."""
        c = self.context // 2
        centre = lq[:, c:c + 1]
        if bool((mask < 0.5).all()):
            # nothing is missing (the fills' own test of a known pixel): both fills would return the centre slice
            # unchanged, at about 40 % of the model's time on a CPU
            filled = centre
        else:
            filled = fill_harmonic(centre, mask) if self.fill == "harmonic" else fill_missing(centre, mask)
        head = self.head(torch.cat([lq[:, :c], filled, lq[:, c + 1:], mask], dim=1))
        x = head
        for g in self.groups:
            x = x + g(x)
        x = self.up(x + head)
        base = filled if self.scale == 1 else Fn.interpolate(filled, scale_factor=float(self.scale), mode="bicubic",
                                                            align_corners=False)
        return base + self.tail(x)


class GeneratorHL(nn.Module):
    """G: encoder-decoder; the first layer takes the HQ slice concatenated with the condition maps
    (PCA code of the blur kernel, noise level, missing-region mask, and a random field so that noise
    can be produced), then residual blocks, a strided conv by the scale and a stride-1 output conv.
    The output is added to an area-downsampled copy of the input and zeroed inside the missing region."""

    def __init__(self, scale=2, filters=32, blocks=12, cond_channels=12):
        super().__init__()
        self.scale = scale
        self.head = conv3(1 + cond_channels, filters)
        self.body = nn.Sequential(*[ResBlock(filters) for _ in range(blocks)], conv3(filters, filters))
        self.down = nn.Sequential(conv3(filters, filters, stride=scale), nn.PReLU(filters)) if scale > 1 \
            else nn.Identity()
        self.tail = conv3(filters, 1)

    def forward(self, hq, cond, mask_lq):
        head = self.head(torch.cat([hq, cond], dim=1))
        x = self.down(head + self.body(head))
        base = Fn.avg_pool2d(hq, self.scale) if self.scale > 1 else hq
        return (base + self.tail(x)) * (1.0 - mask_lq)


class DiscriminatorG(nn.Module):
    """D_G: six residual blocks without batch norm, then a fully connected layer."""

    def __init__(self, filters=32, blocks=6):
        super().__init__()
        layers = [conv3(1, filters), nn.LeakyReLU(0.2)]
        for i in range(blocks):
            layers.append(_DBlock(filters))
            if i % 2 == 1:
                layers.append(nn.AvgPool2d(2))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.fc = nn.Linear(filters * 16, 1)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


class _DBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.c1 = conv3(ch, ch)
        self.c2 = conv3(ch, ch)

    def forward(self, x):
        return x + self.c2(Fn.leaky_relu(self.c1(x), 0.2))


class DiscriminatorF(nn.Module):
    """D_F: the standard convolutional GAN discriminator (SRGAN layout: conv, strided conv + BN blocks,
    dense layers)."""

    def __init__(self, filters=64):
        super().__init__()
        f = filters
        spec = [(f, f, 2), (f, 2 * f, 1), (2 * f, 2 * f, 2), (2 * f, 4 * f, 1), (4 * f, 4 * f, 2),
                (4 * f, 8 * f, 1), (8 * f, 8 * f, 2)]
        layers = [conv3(1, f), nn.LeakyReLU(0.2)]
        for cin, cout, s in spec:
            layers += [conv3(cin, cout, s), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.head = nn.Sequential(nn.Linear(8 * f * 16, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))

    def forward(self, x):
        return self.head(torch.flatten(self.pool(self.features(x)), 1))


VGG19_STAGES = (2, 2, 4, 4, 4)  # convs per stage; a max-pool follows each stage


class FeatureNet(nn.Module):
    """phi with the VGG19 layout. Stage widths w, 2w, 4w, 8w, 8w (w=64 is VGG19 proper).
    Returns the named activations used by the losses."""

    def __init__(self, width=64, in_channels=1):
        super().__init__()
        widths = [width, 2 * width, 4 * width, 8 * width, 8 * width]
        self.convs = nn.ModuleDict()
        cin = in_channels
        for s, (n, w) in enumerate(zip(VGG19_STAGES, widths), start=1):
            for i in range(1, n + 1):
                conv = nn.Conv2d(cin, w, 3, padding=1)
                nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")  # keeps the signal alive 16 layers deep
                nn.init.zeros_(conv.bias)
                self.convs[f"conv{s}_{i}"] = conv
                cin = w
        self.width = width

    def forward(self, x):
        out = {}
        for s, n in enumerate(VGG19_STAGES, start=1):
            for i in range(1, n + 1):
                x = Fn.relu(self.convs[f"conv{s}_{i}"](x))
                out[f"relu{s}_{i}"] = x
            if s == 5:
                break
            x = Fn.max_pool2d(x, 2)
        return {"conv4_4": out["relu4_4"], "relu5_1": out["relu5_1"],
                "relu3_1": out["relu3_1"], "relu4_1": out["relu4_1"]}

    def load_imagenet(self, path):
        """Load torchvision's vgg19 `features.N` weights from a file; the RGB first layer is summed
        over its input channels, which equals feeding the grey MR slice on all three channels."""
        if self.width != 64:
            raise ValueError("ImageNet VGG19 weights need vgg_width 64 (the paper preset)")
        state = torch.load(path, map_location="cpu")
        state = state.get("state_dict", state)
        idx = 0
        names = [f"conv{s}_{i}" for s, n in enumerate(VGG19_STAGES, 1) for i in range(1, n + 1)]
        feature_ids = sorted({int(k.split(".")[1]) for k in state if k.startswith("features.")})
        if len(feature_ids) < len(names):
            raise ValueError(f"{path}: expected torchvision vgg19 weights with {len(names)} convs")
        for name, fid in zip(names, feature_ids):
            w = state[f"features.{fid}.weight"]
            if idx == 0 and w.shape[1] == 3:
                w = w.sum(dim=1, keepdim=True)
            self.convs[name].weight.data.copy_(w)
            self.convs[name].bias.data.copy_(state[f"features.{fid}.bias"])
            idx += 1
        for p in self.parameters():
            p.requires_grad_(False)


class PhiPretextHead(nn.Module):
    """Head used only to train phi on MRI when no ImageNet weights are given: it regresses the
    degradation (blur width, noise level, missing fraction) of a patch from phi's relu5_1."""

    def __init__(self, width, outputs=3):
        super().__init__()
        self.fc = nn.Linear(8 * width, outputs)

    def forward(self, feats):
        return self.fc(feats["relu5_1"].mean(dim=(2, 3)))
