"""How close are simulated low-quality images to real 0.055 T ones? Noise in background and tissue and
the radially averaged power spectrum of (a) the real 0.055 T slices of ../shared's bispmri folder,
(b) the same patients' 3 T slices (the HQ side), (c) the simulator applied to those 3 T slices (the
SR-N-B protocol and the blind training range, x2), and (d) G, the H-L generator (degrader.pt) of a
model folder, on the same 3 T slices with the blind range's condition maps.
Run from models/: python3 scripts/ulf_stats.py [--model sri-default-x2]. Prints a Markdown table."""
import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as Fn
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hlhgan import data, degradations as deg  # noqa: E402

ULF = Path("../../shared/data/mri/github-bispmri-Ultra-low-field-MRI-Scanner")
PAIRS = {"GRE (T1w)": ("0055T_GRE", "3T_T1w"), "FSE (T2w)": ("0055T_FSE", "3T_T2w"), "FLAIR": ("0055T_FLAIR", "3T_FLAIR")}
PATIENTS = ("p6A", "p6B", "p7A", "p7B")
LR = 256


def stats(img):
    """Background noise sigma (Rayleigh: sqrt(mean(x^2) / 2) outside the dilated head; NaN when the
    smoothed image exceeds 0.1 nearly everywhere, i.e. no dark background), tissue noise
    sigma (median absolute Haar diagonal detail / 0.6745 inside the head), share of spectral power
    above 0.25 cycles/pixel, log-log slope of the radial power spectrum between 0.05 and 0.4, mean of the outer 16-pixel frame (the
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
    hf = float(p[r > 0.25].sum() / p[r <= 0.5].sum())
    edges = np.linspace(0.05, 0.4, 15)
    mids, vals = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        sel = (r >= a) & (r < b)
        mids.append(math.log((a + b) / 2))
        vals.append(math.log(float(p[sel].mean()) + 1e-30))
    slope = float(np.polyfit(mids, vals, 1)[0])
    frame = np.concatenate([x[:16].ravel(), x[-16:].ravel(), x[16:-16, :16].ravel(), x[16:-16, -16:].ravel()])
    return sig_bg, sig_t, hf, slope, float(frame.mean())


def hq_slices(vol):
    """3 T slices scaled so the longer side is 2 x LR, zero-padded to a square (N, 1, 2LR, 2LR)."""
    out = []
    for s in vol:
        t = torch.from_numpy(s)[None, None]
        f = 2 * LR / max(t.shape[-2:])
        t = Fn.interpolate(t, scale_factor=f, mode="bicubic", align_corners=False).clamp(0, 1)
        ph, pw = 2 * LR - t.shape[-2], 2 * LR - t.shape[-1]
        out.append(Fn.pad(t, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2)))
    return torch.cat(out)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default="sri-default-x2")
    p.add_argument("--draws", type=int, default=1, help="blind-range degradations per 3 T slice")
    a = p.parse_args()
    torch.set_num_threads(1)
    g = torch.jit.load(str(Path(a.model) / "degrader.pt"), map_location="cpu").eval()
    import json
    cfg = json.loads((Path(a.model) / "config.json").read_text())
    pca = deg.KernelPCA(cfg["preset_sizes"]["pca_dims"], seed=cfg.get("seed", 0) + 1234)
    rows = {}
    for contrast, (lq_name, hq_name) in PAIRS.items():
        acc = {k: [] for k in ("real 0.055 T", "3 T (HQ side, 2x grid)", "simulator SR-N-B x2",
                               "simulator blind range x2", f"G ({cfg['name']} {cfg['version']})")}
        for i, pat in enumerate(PATIENTS):
            real = data.normalise(data.load_volume(ULF / f"ulf_{pat}_{lq_name}.nii.gz"))
            hq = hq_slices(data.normalise(data.load_volume(ULF / f"ulf_{pat}_{hq_name}.nii.gz")))
            acc["real 0.055 T"] += [stats(s) for s in real]
            acc["3 T (HQ side, 2x grid)"] += [stats(s[0].numpy()) for s in hq]
            lq, _ = deg.protocol(hq, 2, "SR-N-B", seed=100 + i)
            acc["simulator SR-N-B x2"] += [stats(s[0].numpy()) for s in lq]
            gen = torch.Generator().manual_seed(200 + i)
            for _ in range(a.draws):
                prm = deg.sample_blind(hq.shape[0], gen, "cpu", hole_prob=0.0, rows_prob=0.0)
                d = deg.degrade(hq, 2, prm, gen)
                acc["simulator blind range x2"] += [stats(s[0].numpy()) for s in d.lq]
                cond = deg.condition_maps(pca, d.kernels, d.noise, d.mask_hq, gen)
                with torch.no_grad():
                    glq = g(hq, cond, d.mask_lq).clamp(0, 1.5)
                acc[f"G ({cfg['name']} {cfg['version']})"] += [stats(s[0].numpy()) for s in glq]
        rows[contrast] = acc
        print(f"{contrast} done", file=sys.stderr, flush=True)
    print("| contrast | images | n | background noise sigma | tissue noise sigma | power above 0.25 cyc/px | spectral slope | frame mean |")
    print("|---|---|---|---|---|---|---|---|")
    for contrast, acc in rows.items():
        for name, vals in acc.items():
            v = np.array(vals)
            cells = [f"{np.nanmean(v[:, j]):.4f} +- {np.nanstd(v[:, j]):.4f}" for j in range(2)]
            cells.append(f"{100 * v[:, 2].mean():.2f}% +- {100 * v[:, 2].std():.2f}")
            cells.append(f"{v[:, 3].mean():.2f} +- {v[:, 3].std():.2f}")
            cells.append(f"{v[:, 4].mean():.3f}")
            print(f"| {contrast} | {name} | {len(v)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
