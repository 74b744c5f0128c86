"""The real 0.055 T (ultra-low-field) slices of ../shared's bispmri folder and their same-patient 3 T
slices, brought onto one grid so that G (the H-L generator) can learn the real degradation from them.

The folder (Liu et al., Nat Commun 12:7238, 2021; CC0) holds, per patient p6A, p6B, p7A, p7B, four
axial 0.055 T slices (256 x 256) of GRE (T1w), FSE (T2w) and FLAIR, and the same patient's 3 T T1w,
T2w and FLAIR on approximately the same four slices, at other matrix sizes and with no geometry (pixel
sizes unknown), plus a volunteer's 0.055 T 3D GRE and FSE slices (v4A, v4B). Because no pixel size is
known, the 3 T slices are put on "the 2x grid" by their head: the 3 T slices of one patient and
contrast are resampled (bicubic) by one factor, the median over its slices of "twice the 0.055 T head's
bounding box over the 3 T one" (mean of the height and width ratios; slices whose head box touches an
image border are left out, and a contrast with no other slice takes its factor from the patient's other
contrasts through the 3 T matrix heights), then cropped or zero-padded to 2 x the 0.055 T matrix around
the head's centre. A x2 H-L map then turns them into images on the 0.055 T grid. The slices stay
unregistered: compare statistics, not pixels. Known limit: a bright or noisy background that reaches
near (not onto) the border widens a head box; such a slice still counts (p7A FSE slice 1: its ratio is
5% above the other usable slice's).

Command line (from models/): `python3 -m hlhgan.ulf prepare --out DIR [--patients p6A p6B]` writes, per
patient and contrast, `hq_<patient>_<contrast>.npz` (the 3 T slices on the 2x grid, normalised) for
`hlhgan.train --hq`, and prints the matching `--lq` files: the same patients' real 0.055 T NIfTI files
and the volunteer's 0.055 T coronal and sagittal 3D slices (no 3 T partner; other orientations and
matrices, as real unpaired LQ for D_G)."""
import argparse
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as Fn
from scipy import ndimage

from . import data

ROOT = Path(__file__).resolve().parents[2].parent / "shared/data/mri/github-bispmri-Ultra-low-field-MRI-Scanner"
PATIENTS = ("p6A", "p6B", "p7A", "p7B")
# contrast label -> (0.055 T file tag, 3 T file tag)
PAIRS = {"GRE (T1w)": ("0055T_GRE", "3T_T1w"), "FSE (T2w)": ("0055T_FSE", "3T_T2w"), "FLAIR": ("0055T_FLAIR", "3T_FLAIR")}
VOLUNTEER = ("v4A_0055T_GRE3D_cor", "v4A_0055T_GRE3D_sag", "v4B_0055T_FSE3D_cor", "v4B_0055T_FSE3D_sag")


def check_root(root=ROOT):
    """SystemExit naming what is missing unless root holds every file this module reads."""
    missing = [str(path(p, t, root)) for p in PATIENTS for pair_ in PAIRS.values() for t in pair_
               if not path(p, t, root).is_file()]
    missing += [str(Path(root) / f"ulf_{v}.nii.gz") for v in VOLUNTEER if not (Path(root) / f"ulf_{v}.nii.gz").is_file()]
    if missing:
        raise SystemExit(f"{root}: {len(missing)} of the ultra-low-field files are missing (first: {missing[0]}); "
                         "this is ../shared/data/mri/github-bispmri-Ultra-low-field-MRI-Scanner beside the repository")


def path(patient, tag, root=ROOT):
    """The NIfTI file of one patient's series, e.g. path("p6A", "0055T_GRE")."""
    return Path(root) / f"ulf_{patient}_{tag}.nii.gz"


def head_box(img, threshold=0.1):
    """Bounding box (y0, y1, x0, x1) of the head in a normalised slice, y1 and x1 exclusive: pixels above
    `threshold` after a Gaussian smoothing of 2 pixels. Raises ValueError for a slice with no such pixel."""
    fg = ndimage.gaussian_filter(np.asarray(img, np.float64), 2) > threshold
    ys, xs = np.nonzero(fg)
    if len(ys) == 0:
        raise ValueError("no head found in the slice (nothing above the threshold)")
    return int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1


def box_ratio(hq_slice, lq_slice):
    """Twice the 0.055 T head box over the 3 T head box (mean of the height and width ratios), or None
    when either box touches its image's border (a bright or noisy background, a head cut off)."""
    lb, hb = head_box(lq_slice), head_box(hq_slice)
    for (y0, y1, x0, x1), shape in ((lb, lq_slice.shape), (hb, hq_slice.shape)):
        if y0 == 0 or x0 == 0 or y1 == shape[0] or x1 == shape[1]:
            return None
    return 0.5 * (2 * (lb[1] - lb[0]) / (hb[1] - hb[0]) + 2 * (lb[3] - lb[2]) / (hb[3] - hb[2]))


def onto_2x_grid(hq_slice, lq_shape, f):
    """A 3 T slice (H3, W3), normalised to [0, 1], resampled by the factor f (see `box_ratio`), cropped
    or zero-padded to (2h, 2w) around its head's centre, where (h, w) = lq_shape, the 0.055 T matrix;
    clipped to [0, 1]; returns float32 (2h, 2w)."""
    hy0, hy1, hx0, hx1 = head_box(hq_slice)
    t = torch.from_numpy(np.ascontiguousarray(hq_slice, np.float32))[None, None]
    t = Fn.interpolate(t, scale_factor=f, mode="bicubic", align_corners=False)[0, 0].clamp(0, 1).numpy()
    h, w = 2 * lq_shape[0], 2 * lq_shape[1]
    cy, cx = int(round(f * (hy0 + hy1) / 2)), int(round(f * (hx0 + hx1) / 2))
    out = np.zeros((h, w), np.float32)
    y0, x0 = cy - h // 2, cx - w // 2               # the window in t's coordinates
    sy0, sx0 = max(0, y0), max(0, x0)
    sy1, sx1 = min(t.shape[0], y0 + h), min(t.shape[1], x0 + w)
    out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = t[sy0:sy1, sx0:sx1]
    return out


def _volumes(patient, contrast, root):
    lq_tag, hq_tag = PAIRS[contrast]
    lq = data.normalise(data.load_volume(path(patient, lq_tag, root)))
    hq = data.normalise(data.load_volume(path(patient, hq_tag, root)))
    if len(lq) != len(hq):
        raise ValueError(f"{patient} {contrast}: {len(lq)} slices at 0.055 T, {len(hq)} at 3 T")
    return lq, hq


def factors(patient, root=ROOT):
    """Resampling factor per contrast of a patient (dict keyed like PAIRS): the median of `box_ratio`
    over the contrast's slices whose head boxes are clear of the borders. A contrast with no such slice
    gets the other contrasts' factors converted by the 3 T matrix heights (the same field of view
    assumed). Raises ValueError when no contrast of the patient has a usable slice."""
    vols = {c: _volumes(patient, c, root) for c in PAIRS}
    out = {}
    for c, (lq, hq) in vols.items():
        ratios = [r for h, l in zip(hq, lq) if (r := box_ratio(h, l)) is not None]
        if ratios:
            out[c] = float(np.median(ratios))
    if not out:
        raise ValueError(f"{patient}: no slice pair with both heads inside the image")
    for c, (_, hq) in vols.items():
        if c not in out:
            out[c] = float(np.median([f * vols[k][1].shape[1] / hq.shape[1] for k, f in out.items()]))
    return out


def pair(patient, contrast, root=ROOT, factor=None):
    """(real 0.055 T slices (n, h, w), the matched 3 T slices on the 2x grid (n, 2h, 2w)), both
    normalised by their volume's 99.5th percentile; contrast is a key of PAIRS; factor: the contrast's
    (`factors`, computed when None)."""
    lq, hq = _volumes(patient, contrast, root)
    f = factors(patient, root)[contrast] if factor is None else factor
    return lq, np.stack([onto_2x_grid(h, lq.shape[1:], f) for h in hq])


def prepare(out, patients, root=ROOT):
    """Writes hq_<patient>_<3 T tag>.npz (normalised, marked so) for each patient and contrast; returns
    (HQ files written, the real 0.055 T files of the same patients plus the volunteer's). Everything is
    computed before the first file is written, so a ValueError leaves no partial set behind."""
    out = Path(out)
    stacks, lq_files = [], []
    for p in patients:
        fs = factors(p, root)
        for contrast, (lq_tag, hq_tag) in PAIRS.items():
            stacks.append((out / f"hq_{p}_{hq_tag}.npz", pair(p, contrast, root, fs[contrast])[1]))
            lq_files.append(path(p, lq_tag, root))
    out.mkdir(parents=True, exist_ok=True)
    for f, hq in stacks:
        np.savez_compressed(str(f), vol=hq.astype(np.float16), normalised=np.array(True))
    lq_files += [Path(root) / f"ulf_{v}.nii.gz" for v in VOLUNTEER]
    return [f for f, _ in stacks], lq_files


def main(argv=None):
    ap = argparse.ArgumentParser(prog="hlhgan.ulf", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare", help="3 T slices on the 2x grid for training G")
    pp.add_argument("--out", required=True)
    pp.add_argument("--patients", nargs="+", default=["p6A", "p6B"], choices=PATIENTS)
    pp.add_argument("--root", default=str(ROOT))
    a = ap.parse_args(argv)
    check_root(a.root)
    held_out = sorted(set(a.patients) & {"p7A", "p7B"})
    if held_out:
        print(f"note: {', '.join(held_out)} are the patients this project holds out (scripts.ulf_stats, "
              "scripts.ulf_montage); training on them spoils those comparisons", file=sys.stderr)
    try:
        hq, lq = prepare(a.out, a.patients, a.root)
    except ValueError as e:
        raise SystemExit(f"cannot put the 3 T slices on the 0.055 T grid: {e}")
    print("--hq " + " ".join(map(str, hq)))
    print("--lq " + " ".join(map(str, lq)))


if __name__ == "__main__":
    main()
