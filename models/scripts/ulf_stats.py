"""How close are made low-quality images to real 0.055 T ones? (issue 15: G against the simulator)

Images compared, per contrast (GRE ~ T1w, FSE ~ T2w, FLAIR), on the held-out patients (default p7A
and p7B, whose 0.055 T slices trained no G): (a) the real 0.055 T slices of ../shared's bispmri
folder, (b) the same patients' 3 T slices on the 2x grid (`hlhgan.ulf`: scaled by the head's size,
not registered), area-downsampled x2 onto the 0.055 T grid (no other degradation), (c) the simulator applied to those 3 T
slices (the SR-N-B protocol, and one draw of the blind training range without holes), and (d) each G
given (`--g LABEL=FOLDER`, a model folder with degrader.pt and config.json, or a training run's
checkpoint.pt) on the same 3 T slices with
the blind draw's condition maps.

Columns: background noise sigma, tissue noise sigma, share of the spectral power within 0.5
cycles/pixel that lies above 0.25 cycles/pixel, spectral slope, frame mean (see `stats`), and the two-sample classifier test: a small CNN trained to tell real
0.055 T patches (32 x 32) from made ones of the training patients (default p6A, p6B), scored on
patches of the held-out patients (balanced, so 0.5 = it cannot tell them apart, 1.0 = always can).
Run from models/: python3 -m scripts.ulf_stats [--g 0.2.0=sri-default-x2 ...]. Prints a Markdown table."""
import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as Fn
from scipy import ndimage

from hlhgan import degradations as deg, networks, presets, ulf
from scripts import pictures

PATCH = 32


def stats(img):
    """Background noise sigma (Rayleigh: sqrt(mean(x^2) / 2) outside the dilated head; NaN when the
    smoothed image exceeds 0.1 nearly everywhere, i.e. no dark background), tissue noise
    sigma (median absolute Haar diagonal detail / 0.6745 inside the head), share of the spectral power
    within radius 0.5 cycles/pixel that lies above 0.25 cycles/pixel, log-log slope of the radial power spectrum between 0.05 and 0.4, mean of the outer 16-pixel frame (the
background level)."""
    x = img.astype(np.float64)
    smooth = ndimage.gaussian_filter(x, 2)
    fg = smooth > 0.1
    bg = ~ndimage.binary_dilation(fg, iterations=10)
    bg[:4], bg[-4:], bg[:, :4], bg[:, -4:] = False, False, False, False
    sig_bg = math.sqrt(float((x[bg] ** 2).mean()) / 2) if bg.sum() > 500 else float("nan")
    h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
    d = (x[0:h:2, 0:w:2] - x[0:h:2, 1:w:2] - x[1:h:2, 0:w:2] + x[1:h:2, 1:w:2]) / 2
    sig_t = float(np.median(np.abs(d[fg[0:h:2, 0:w:2]]))) / 0.6745
    win = np.outer(np.hanning(x.shape[0]), np.hanning(x.shape[1]))
    p = np.abs(np.fft.fftshift(np.fft.fft2((x - x.mean()) * win))) ** 2
    fy = np.fft.fftshift(np.fft.fftfreq(x.shape[0]))[:, None]
    fx = np.fft.fftshift(np.fft.fftfreq(x.shape[1]))[None, :]
    r = np.sqrt(fy ** 2 + fx ** 2)
    disc = r <= 0.5           # the radial band every orientation has (the corners beyond 0.5 left out)
    hf = float(p[disc & (r > 0.25)].sum() / p[disc].sum())
    edges = np.linspace(0.05, 0.4, 15)
    mids, vals = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        sel = (r >= a) & (r < b)
        mids.append(math.log((a + b) / 2))
        vals.append(math.log(float(p[sel].mean()) + 1e-30))
    slope = float(np.polyfit(mids, vals, 1)[0])
    frame = np.concatenate([x[:16].ravel(), x[-16:].ravel(), x[16:-16, :16].ravel(), x[16:-16, -16:].ravel()])
    return sig_bg, sig_t, hf, slope, float(frame.mean())




class Degrader:
    """G with the condition maps of its training (the kernel PCA): from a model folder (degrader.pt and
    config.json) or from a training run's checkpoint.pt (G's weights as they are at that step)."""

    def __init__(self, source):
        source = Path(source)
        if source.is_file():
            try:
                st = torch.load(str(source), map_location="cpu")
                args = st["args"]
            except Exception as e:
                raise SystemExit(f"{source}: not a training checkpoint of hlhgan.train ({type(e).__name__}: {e})")
            if st["done"].get("g", 0) == 0:
                raise SystemExit(f"{source}: its G has not been trained (stage g: 0 steps)")
            if args["scale"] != 2:
                raise SystemExit(f"{source}: a x{args['scale']} run; the 0.055 T comparison is x2")
            p = presets.get(args["preset"])
            self.g = networks.GeneratorHL(args["scale"], p.filters, p.g_blocks, p.pca_dims + 3)
            self.g.load_state_dict(st["nets"]["G"])
            self.g.eval()
            self.pca = deg.KernelPCA(p.pca_dims, seed=args["seed"] + 1234)
            self.pca.load_state_dict(st["pca"])
            return
        if not (source / "degrader.pt").is_file():
            raise SystemExit(f"{source}: no degrader.pt; give a model folder with G (degrader.pt, config.json) "
                             "or a run's checkpoint.pt")
        cfg = json.loads((source / "config.json").read_text())
        if cfg.get("scale") != 2:
            raise SystemExit(f"{source}: a x{cfg.get('scale')} model; the 0.055 T comparison is x2")
        self.g = torch.jit.load(str(source / "degrader.pt"), map_location="cpu").eval()
        self.pca = deg.KernelPCA(cfg["preset_sizes"]["pca_dims"], seed=cfg.get("seed", 0) + 1234)

    def __call__(self, hq, d, gen):
        cond = deg.condition_maps(self.pca, d.kernels, d.noise, d.mask_hq, gen)
        with torch.no_grad():
            return self.g(hq, cond, d.mask_lq).clamp(0, 1.5)


def made_images(hq, seed, degraders):
    """Every made LQ image set of one series: dict label -> (n, h, w) numpy. hq (n, 1, 2h, 2w)."""
    out = {"3 T, area x2 (no degradation)": Fn.avg_pool2d(hq, 2)[:, 0].numpy()}
    lq, _ = deg.protocol(hq, 2, "SR-N-B", seed=100 + seed)
    out["simulator SR-N-B x2"] = lq[:, 0].numpy()
    gen = torch.Generator().manual_seed(200 + seed)
    prm = deg.sample_blind(hq.shape[0], gen, "cpu", hole_prob=0.0, rows_prob=0.0)
    d = deg.degrade(hq, 2, prm, gen)
    out["simulator blind range x2"] = d.lq[:, 0].numpy()
    for label, g in degraders.items():
        # each G its own random field: its figures must not depend on which other G's are compared
        out[f"G {label}"] = g(hq, d, torch.Generator().manual_seed(300 + seed))[:, 0].numpy()
    return out


def patches(images, n, gen):
    """n random PATCH x PATCH patches with more than 30% head (pixels above 0.1) from a list of 2D
    images, one of 8 flips/rotations each: (n, 1, PATCH, PATCH) tensor. SystemExit when 100 n draws do
    not find them (images with almost no head)."""
    out = []
    for _ in range(100 * n):
        if len(out) == n:
            break
        img = images[int(torch.randint(len(images), (1,), generator=gen))]
        y = int(torch.randint(img.shape[0] - PATCH + 1, (1,), generator=gen))
        x = int(torch.randint(img.shape[1] - PATCH + 1, (1,), generator=gen))
        p = img[y:y + PATCH, x:x + PATCH]
        if (p > 0.1).mean() <= 0.3:
            continue
        t = torch.rot90(torch.from_numpy(np.ascontiguousarray(p, np.float32)), int(torch.randint(4, (1,), generator=gen)))
        out.append(torch.flip(t, (1,)) if bool(torch.rand(1, generator=gen) < 0.5) else t)
    if len(out) < n:
        raise SystemExit(f"only {len(out)} of {n} patches with more than 30% head found: are these images empty?")
    return torch.stack(out)[:, None]


def two_sample_accuracy(real_train, made_train, real_test, made_test, steps=1000, seed=0):
    """Classifier two-sample test: a 3-layer CNN learns real (label 1) against made (0) patches of the
    training images, then its accuracy on an equal number of patches of each test set (1000 + 1000)."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.LeakyReLU(0.2), nn.AvgPool2d(2),
                        nn.Conv2d(16, 32, 3, padding=1), nn.LeakyReLU(0.2), nn.AvgPool2d(2),
                        nn.Conv2d(32, 32, 3, padding=1), nn.LeakyReLU(0.2), nn.AdaptiveAvgPool2d(1),
                        nn.Flatten(), nn.Linear(32, 1))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(steps):
        x = torch.cat([patches(real_train, 32, gen), patches(made_train, 32, gen)])
        y = torch.cat([torch.ones(32), torch.zeros(32)])
        loss = Fn.binary_cross_entropy_with_logits(net(x)[:, 0], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        right = (net(patches(real_test, 1000, gen))[:, 0] > 0).sum() + (net(patches(made_test, 1000, gen))[:, 0] <= 0).sum()
    return float(right) / 2000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--g", nargs="*", default=[], metavar="LABEL=FOLDER",
                    help="G's to compare: a label and a model folder with degrader.pt, or a run's checkpoint.pt")
    ap.add_argument("--test", nargs="+", default=["p7A", "p7B"], choices=ulf.PATIENTS, help="held-out patients")
    ap.add_argument("--train", nargs="+", default=["p6A", "p6B"], choices=ulf.PATIENTS,
                    help="patients whose images train the two-sample classifier")
    ap.add_argument("--steps", type=int, default=1000, help="classifier training steps (0: no classifier)")
    ap.add_argument("--picture", default=None, metavar="PNG",
                    help="also write one held-out slice per contrast: real 0.055 T | 3 T | each made image "
                         "(needs python3-pil)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    if set(a.train) & set(a.test):
        raise SystemExit(f"--train and --test share {', '.join(sorted(set(a.train) & set(a.test)))}: "
                         "the test patients must be held out")
    if a.steps < 0:
        raise SystemExit("--steps must be 0 (no classifier) or more")
    if a.picture and (not a.picture.endswith(".png") or not Path(a.picture).resolve().parent.is_dir()):
        raise SystemExit(f"--picture {a.picture}: give a .png file in an existing folder")
    if a.picture:
        pictures.require("PIL")
    ulf.check_root()
    degraders = {}
    for item in a.g:
        label, _, folder = item.partition("=")
        if not folder or not label or label in degraders:
            raise SystemExit(f"--g {item}: give LABEL=FOLDER with a label of its own")
        degraders[label] = Degrader(folder)
    rows = []
    print("| contrast | images | n | background noise sigma | tissue noise sigma | power above 0.25 cyc/px "
          "| spectral slope | frame mean | real-vs-made classifier accuracy (held-out) |")
    print("|---|---|---|---|---|---|---|---|---|")
    factors = {p: ulf.factors(p) for p in a.train + a.test}     # measured once per patient
    for contrast in ulf.PAIRS:
        sets = {}      # (train|test, label) -> list of 2D images
        for i, p in enumerate(a.train + a.test):
            side = "train" if p in a.train else "test"
            real, hq = ulf.pair(p, contrast, factor=factors[p][contrast])
            sets.setdefault((side, "real 0.055 T"), []).extend(real)
            for label, imgs in made_images(torch.from_numpy(hq)[:, None], i, degraders).items():
                sets.setdefault((side, label), []).extend(imgs)
        labels = [k for s, k in sets if s == "test"]
        if a.picture:
            rows.append([(f"{contrast}: {k}" if i == 0 else k, sets[("test", k)][1]) for i, k in enumerate(labels)])
        for label in labels:
            test = sets[("test", label)]
            v = np.array([stats(x) for x in test])
            cells = [f"{np.nanmean(v[:, j]):.4f} +- {np.nanstd(v[:, j]):.4f}" for j in range(2)]
            cells.append(f"{100 * v[:, 2].mean():.2f}% +- {100 * v[:, 2].std():.2f}")
            cells.append(f"{v[:, 3].mean():.2f} +- {v[:, 3].std():.2f}")
            cells.append(f"{v[:, 4].mean():.3f}")
            if label == "real 0.055 T" or a.steps == 0:
                cells.append("-")
            else:
                acc = two_sample_accuracy(sets[("train", "real 0.055 T")], sets[("train", label)],
                                          sets[("test", "real 0.055 T")], test, a.steps)
                cells.append(f"{acc:.3f}")
            print(f"| {contrast} | {label} | {len(test)} | " + " | ".join(cells) + " |", flush=True)
        print(f"{contrast} done", file=sys.stderr, flush=True)
    if a.picture:
        pictures.grid(rows, a.picture)      # each panel 1:1 on the 0.055 T grid, as the classifier sees it


if __name__ == "__main__":
    main()
