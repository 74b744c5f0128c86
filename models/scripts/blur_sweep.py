"""Where does a model gain over bicubic, and where does it lose? A sweep over the blur and noise of the input.

The fixed protocols of `./sri-node evaluate` use one blur (Gaussian sigma 0.5 x scale HQ pixels) and one noise level
(Rician sigma 0.03, SR-N-B); real acquisitions vary. This sweep degrades up to `--slices` axial slices of each volume
(at least 30% foreground, evenly spaced; intensities scaled to [0, 1] like training) for every pair of
`--blur` (isotropic Gaussian sigma in HQ pixels, then area downsampling by the model's scale) and `--noise` (Rician
sigma, 0 = none), and with `--kspace` also for an MR scanner's own way of acquiring fewer pixels (the centre of
k-space kept, no other blur: `hlhgan.degradations.kspace_truncate`), with the same degraded inputs for every model, and prints a Markdown table of the foreground PSNR
gain over bicubic (HQ > 0.05; dB, mean over slices, then over volumes), one column per model. No mask, no hole: this
measures super-resolution only. Python's PyTorch, not the node's DJL; not the Java evaluator's slice set or seeds.

Run from models/:
  python3 -m scripts.blur_sweep --model default=sri-default-x2 --volumes <validation volumes or folders> [--slices 8]
"""
import argparse
import math

import torch
import torch.nn.functional as Fn

from hlhgan import data, degradations as deg, export


def degrade(hq, scale, blur, noise, seed):
    """hq (N, 1, H, W) in [0, 1], H and W multiples of scale -> (N, 1, H/scale, W/scale): Gaussian blur of sigma
    `blur` HQ pixels (none when 0) and area downsampling, or k-space truncation when blur is "k-space"; then Rician
    noise of sigma `noise` (none when 0)."""
    x = hq
    if blur == "k-space":
        x = deg.kspace_truncate(hq, scale).clamp(min=0)
        if noise > 0:
            x = deg.rician_noise(x, noise, torch.Generator().manual_seed(seed))
        return x
    if blur > 0:
        size = 2 * int(math.ceil(3 * blur)) + 1
        x = deg.blur(x, deg.gaussian_kernel(blur, blur, 0.0, size).expand(hq.shape[0], size, size))
    x = deg.area_down(x, scale)
    if noise > 0:
        x = deg.rician_noise(x, noise, torch.Generator().manual_seed(seed))
    return x


def sweep(models, volumes, blurs, noises, slices=8, seed=3):
    """{(blur, noise, label): [gain per volume in dB]} for models {label: (F, config)}; all models share one scale."""
    scales = {cfg["scale"] for _, cfg in models.values()}
    if len(scales) != 1:
        raise SystemExit(f"the models have different scales {sorted(scales)}: sweep one scale at a time")
    scale = scales.pop()
    res = {}
    for src in volumes:
        vol, pick = data.pick_axial(torch.from_numpy(data.load_normalised(src)), slices, 4 * scale)
        hq = vol[pick][:, None].contiguous()
        fg = hq > 0.05
        for b in blurs:
            for n in noises:
                x = degrade(hq, scale, b, n, seed)
                bic = Fn.interpolate(x, scale_factor=float(scale), mode="bicubic", align_corners=False).clamp(0, 1)
                pb = sum(data.psnr(bic[i][fg[i]], hq[i][fg[i]]) for i in range(len(hq))) / len(hq)
                for label, (net, _) in models.items():
                    with torch.no_grad():
                        out = torch.cat([net(x[i:i + 4], torch.zeros_like(x[i:i + 4])) for i in range(0, len(x), 4)])
                    out = out.clamp(0, 1)
                    pm = sum(data.psnr(out[i][fg[i]], hq[i][fg[i]]) for i in range(len(hq))) / len(hq)
                    res.setdefault((b, n, label), []).append(pm - pb)
    return res


def main(argv=None):
    p = argparse.ArgumentParser(prog="scripts.blur_sweep", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", nargs="+", required=True, metavar="LABEL=FOLDER",
                   help="exported model folders (model.pt + config.json), one column each")
    p.add_argument("--volumes", nargs="+", required=True, help="NIfTI files or folders (DICOM series folders too)")
    p.add_argument("--blur", nargs="+", type=float, default=[0.3, 0.6, 1.0, 1.5], help="Gaussian sigma, HQ pixels")
    p.add_argument("--noise", nargs="+", type=float, default=[0.0, 0.02, 0.03], help="Rician sigma on [0, 1]")
    p.add_argument("--kspace", action="store_true", help="also rows for k-space truncation instead of blur + area")
    p.add_argument("--slices", type=int, default=8)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    models = {}
    for spec in a.model:
        label, sep, folder = spec.partition("=")
        if not sep or not label or not folder:
            raise SystemExit(f"--model {spec!r}: give LABEL=FOLDER, e.g. default=sri-default-x2")
        net, cfg = export.load(folder)
        if int(cfg.get("context_slices", 1)) != 1:
            raise SystemExit(f"{folder}: a model with through-plane context; this sweep feeds single slices")
        models[label] = (net, cfg)
    vols = data.find_volumes(a.volumes)
    blurs = a.blur + (["k-space"] if a.kspace else [])
    res = sweep(models, vols, blurs, a.noise, a.slices, a.seed)
    print(f"Foreground PSNR gain over bicubic (dB), mean over {len(vols)} volume(s), up to {a.slices} slices each, seed {a.seed}")
    print()
    print("| blur sigma (HQ px) | Rician sigma | " + " | ".join(models) + " |")
    print("|---|---|" + "---|" * len(models))
    for b in blurs:
        for n in a.noise:
            cells = [f"{sum(res[(b, n, m)]) / len(res[(b, n, m)]):+.2f}" for m in models]
            print(f"| {b if isinstance(b, str) else format(b, 'g')} | {n:g} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
