"""The node's output on real 0.055 T slices beside the same patient's 3 T slice (issue 15).

For each held-out patient (default p7A and p7B: not used to train any G or F of this project) and each
contrast (GRE ~ T1w, FSE ~ T2w, FLAIR), the 0.055 T series is enhanced by the node's own offline path,
`../sri-node enhance <NIfTI> --output <folder> --model <model>` (assessment, DJL inference of model.pt,
derived DICOM series), and one slice is shown as: the 0.055 T input (bicubic x2, for the same size) |
the node's output with each model given | the 3 T slice on the 2x grid (`hlhgan.ulf`: scaled by the head's size, not
registered). No PSNR: the 0.055 T and 3 T slices are only approximately the same anatomy.

Run from models/: python3 -m scripts.ulf_montage --out <folder> [--model sri-default-x2 ...] [--slice 2]
Writes <out>/ulf_<patient>_x2.png (one row per contrast); the derived series are made in a temporary
folder and removed.
Needs Debian's python3-pil and python3-pydicom besides the model packages."""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as Fn

from hlhgan import data, ulf
from scripts import pictures

SRI_NODE = Path(__file__).resolve().parents[2] / "sri-node"
PANEL = 320          # pixels per panel side in the picture


def enhance(src, out, model):
    """The node's offline enhancement of one NIfTI file; returns the derived slices (n, 2h, 2w), float
    (the series' files at the top of `out`; the tool puts its source copy and segmentation below it)."""
    cmd = [str(SRI_NODE), "enhance", str(src), "--output", str(out), "--model", str(Path(model).resolve()),
           "--ignore-scope"]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return data.load_volume(out)     # the derived series' slices in position order, rescaled


def split(model):
    """(caption, folder) of a --model value: LABEL=FOLDER, or FOLDER captioned "name version" from its
    config.json."""
    label, eq, folder = model.partition("=")
    if eq:
        return label, folder
    try:
        cfg = json.loads((Path(model) / "config.json").read_text())
    except (OSError, ValueError) as e:
        raise SystemExit(f"--model {model}: no readable config.json ({e})")
    return f"{cfg['name']} {cfg['version']}", model


def panel(img):
    """An image scaled by its 99.5th percentile to [0, 1], resized to PANEL x PANEL."""
    x = np.clip(img / max(float(np.percentile(img, 99.5)), 1e-6), 0, 1)
    return Fn.interpolate(torch.from_numpy(np.ascontiguousarray(x, np.float32))[None, None], size=(PANEL, PANEL),
                          mode="area")[0, 0].numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", nargs="+", default=["sri-default-x2"], help="model folders (or LABEL=FOLDER), one column each")
    ap.add_argument("--patients", nargs="+", default=["p7A", "p7B"], choices=ulf.PATIENTS)
    ap.add_argument("--slice", type=int, default=2, choices=range(4), help="slice index 0 to 3 of each series")
    a = ap.parse_args()
    ulf.check_root()
    pictures.require("PIL", "pydicom")
    for m in a.model:
        folder = split(m)[1]
        if not (Path(folder) / "model.pt").is_file():
            raise SystemExit(f"--model {m}: {folder} holds no model.pt (a model folder of models/)")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ulf-montage-") as work:
        montages(a, out, Path(work))


def montages(a, out, work):
    """One picture per patient of a.patients into out; the derived series go to work (removed after)."""
    for p in a.patients:
        fs = ulf.factors(p)
        rows = []
        for contrast, (lq_tag, _) in ulf.PAIRS.items():
            lq, hq = ulf.pair(p, contrast, factor=fs[contrast])
            up = Fn.interpolate(torch.from_numpy(lq[a.slice])[None, None], scale_factor=2.0, mode="bicubic",
                                align_corners=False)[0, 0].clamp(0, 1).numpy()
            row = [(f"{p} {contrast}", panel(up))]
            for i, (_, m) in enumerate(map(split, a.model)):
                dest = work / f"{p}_{lq_tag}_{i}"
                node = enhance(ulf.path(p, lq_tag), dest, m)
                if node.shape[1:] != hq.shape[1:]:
                    raise SystemExit(f"{p} {contrast}: node output {node.shape[1:]}, expected {hq.shape[1:]}")
                row.append(("", panel(node[a.slice])))
                print(f"{p} {contrast}: enhanced by {m}", file=sys.stderr)
            rows.append(row + [("", panel(hq[a.slice]))])
        dest = out / f"ulf_{p}_x2.png"
        pictures.grid(rows, dest, header=["real 0.055 T (bicubic x2)"] + [f"sri-node, {split(m)[0]}" for m in a.model]
                      + ["same patient, 3 T (not registered)"])
        print(dest)


if __name__ == "__main__":
    main()
