"""Volumes in (NIfTI files, DICOM series folders, IXI trees), slices and patches out."""
import math
import os
import re
from pathlib import Path

import numpy as np
import torch

VOLUME_SUFFIXES = (".nii", ".nii.gz", ".npz")


def find_volumes(paths, exclude=()):
    """Expand files and folders into volume sources: NIfTI files, and folders holding DICOM files."""
    found = []
    for p in map(Path, paths):
        if p.is_file() and p.name.endswith(VOLUME_SUFFIXES):
            found.append(p)
        elif p.is_dir():
            nifti = sorted(q for q in p.rglob("*") if q.is_file() and q.name.endswith(VOLUME_SUFFIXES))
            found += nifti
            if not nifti and _has_dicom(p):
                found.append(p)
        else:
            raise SystemExit(f"{p}: not a NIfTI file (.nii/.nii.gz) or a folder of volumes / DICOM files")
    pats = [re.compile(x) for x in exclude]
    return [f for f in found if not any(r.search(str(f)) for r in pats)]


def _has_dicom(folder):
    for q in list(folder.iterdir())[:20]:
        if q.is_file():
            with open(q, "rb") as fh:
                head = fh.read(132)
            if head[128:132] == b"DICM":
                return True
    return False


def load_volume(src):
    """Return a float32 array (z, y, x) of a NIfTI file or a DICOM series folder."""
    src = Path(src)
    if src.is_dir():
        return _load_dicom_series(src)
    if src.name.endswith(".npz"):
        return np.load(str(src))["vol"].astype(np.float32)
    try:
        import nibabel as nib
    except ImportError:      # e.g. a GPU machine with PyTorch but no nibabel
        return _load_nifti_plain(src)
    img = nib.load(str(src))
    data = np.asarray(img.dataobj, dtype=np.float32)
    while data.ndim > 3:
        data = data[..., 0]
    return np.transpose(data, (2, 1, 0)).copy()


def _load_nifti_plain(src):
    """NIfTI-1 reader with numpy alone: first 3D volume, scl_slope/scl_inter applied, (z, y, x)."""
    import gzip
    import struct
    raw = gzip.open(src, "rb").read() if str(src).endswith(".gz") else open(src, "rb").read()
    endian = "<" if struct.unpack("<i", raw[:4])[0] == 348 else ">"
    dims = struct.unpack(endian + "8h", raw[40:56])
    datatype = struct.unpack(endian + "h", raw[70:72])[0]
    vox_offset = int(struct.unpack(endian + "f", raw[108:112])[0])
    slope, inter = struct.unpack(endian + "2f", raw[112:120])
    types = {2: "u1", 4: "i2", 8: "i4", 16: "f4", 64: "f8", 256: "i1", 512: "u2", 768: "u4"}
    if datatype not in types:
        raise SystemExit(f"{src}: NIfTI datatype {datatype} not supported")
    nx, ny, nz = dims[1], dims[2], max(1, dims[3])
    n = nx * ny * nz
    dt = np.dtype(types[datatype]).newbyteorder(endian)
    data = np.frombuffer(raw, dtype=dt, count=n, offset=vox_offset).astype(np.float32)
    if slope not in (0.0,) and not np.isnan(slope):
        data = data * slope + inter
    return data.reshape(nz, ny, nx).copy()


def _load_dicom_series(folder):
    import pydicom
    slices = []
    for q in sorted(folder.iterdir()):
        if not q.is_file():
            continue
        try:
            ds = pydicom.dcmread(str(q))
            arr = ds.pixel_array.astype(np.float32)
        except Exception:
            continue
        arr = arr * float(getattr(ds, "RescaleSlope", 1) or 1) + float(getattr(ds, "RescaleIntercept", 0) or 0)
        pos = _slice_position(ds)
        slices.append((pos, arr))
    if not slices:
        raise SystemExit(f"{folder}: no decodable DICOM image found")
    slices.sort(key=lambda t: t[0])
    shape = slices[0][1].shape
    return np.stack([a for _, a in slices if a.shape == shape])


def _slice_position(ds):
    try:
        o = np.array(ds.ImageOrientationPatient, dtype=float)
        n = np.cross(o[:3], o[3:])
        return float(np.dot(n, np.array(ds.ImagePositionPatient, dtype=float)))
    except Exception:
        return float(getattr(ds, "InstanceNumber", 0) or 0)


def load_normalised(src):
    """A volume scaled to [0, 1]: `normalise` of it, or as stored for an .npz that says it is already
    normalised (volumes cropped after scaling, by scripts/make_gpu_data.py)."""
    if str(src).endswith(".npz"):
        with np.load(str(src)) as z:
            if "normalised" in z.files and bool(z["normalised"]):
                return z["vol"].astype(np.float32)
    return normalise(load_volume(src))


def save_normalised(vol, path, margin=4, threshold=0.02):
    """Scale a volume like `normalise`, crop it to its foreground box plus a margin, and store it as
    compressed float16 .npz (z, y, x), marked as normalised."""
    vol = normalise(vol)
    idx = np.nonzero(vol > threshold)
    box = tuple(slice(max(0, int(i.min()) - margin), int(i.max()) + margin + 1) for i in idx)
    np.savez_compressed(str(path), vol=vol[box].astype(np.float16), normalised=np.array(True))
    return vol[box].shape


def normalise(vol, percentile=99.5):
    """Scale to [0, 1] by the volume's 99.5th percentile (the evaluation protocol's scaling)."""
    vol = vol - min(0.0, float(vol.min()))
    top = float(np.percentile(vol, percentile))
    if top <= 0:
        top = float(vol.max()) or 1.0
    return np.clip(vol / top, 0.0, 1.0).astype(np.float32)


class SlicePool:
    """All slices along the three axes of normalised volumes, with enough foreground for training."""

    def __init__(self, sources, min_side, fg_fraction=0.25, axes=(0, 1, 2)):
        self.slices = []
        self.names = []
        for src in sources:
            vol = load_normalised(src)
            for ax in axes:
                for i in range(vol.shape[ax]):
                    s = np.take(vol, i, axis=ax)
                    if min(s.shape) >= min_side and (s > 0.1).mean() >= fg_fraction:
                        self.slices.append(np.ascontiguousarray(s))
            self.names.append(str(src))
        if not self.slices:
            raise SystemExit("no usable training slice: volumes too small or empty")

    def __len__(self):
        return len(self.slices)

    def patches(self, n, size, gen):
        """n random patches (n,1,size,size) with random flips and 90-degree rotations."""
        out = torch.empty(n, 1, size, size)
        for k in range(n):
            for _ in range(20):
                s = self.slices[int(torch.randint(len(self.slices), (1,), generator=gen))]
                y = int(torch.randint(s.shape[0] - size + 1, (1,), generator=gen))
                x = int(torch.randint(s.shape[1] - size + 1, (1,), generator=gen))
                p = torch.from_numpy(s[y:y + size, x:x + size])
                if (p > 0.1).float().mean() > 0.3:
                    break
            r = int(torch.randint(8, (1,), generator=gen))
            p = torch.rot90(p, r % 4, (0, 1))
            if r >= 4:
                p = torch.flip(p, (1,))
            out[k, 0] = p
        return out


class TensorSlicePool:
    """The slices of `SlicePool` held as one flat tensor on the training device, with batched patch
    sampling (the same distribution as SlicePool.patches: a usable slice, a uniform position, up to
    `tries` draws until the patch has more than 30% foreground, one of the 8 flips/rotations) and
    through-plane context: each patch comes with its k - 1 neighbours along the slicing axis
    (mirrored at the volume's edges), as (n, k, size, size), the centre slice in the middle."""

    def __init__(self, sources, min_side, fg_fraction=0.25, axes=(0, 1, 2), context=1, device="cpu", tries=20):
        if context < 1 or context % 2 == 0:
            raise SystemExit(f"--context must be odd and at least 1, not {context}")
        self.context, self.tries, self.device = context, tries, torch.device(device)
        flat, integ, offs, ioffs, hs, ws, nbrs, usable = [], [], [], [], [], [], [], []
        n_flat = n_integ = 0
        self.names = []
        for src in sources:
            vol = load_normalised(src)
            for ax in axes:
                stack = np.moveaxis(vol, ax, 0)
                n, h, w = stack.shape
                if min(h, w) < min_side:
                    continue
                first = len(offs)
                r = context // 2
                for i in range(n):
                    s = np.ascontiguousarray(stack[i], dtype=np.float32)
                    fg = (s > 0.1)
                    ii = np.zeros((h + 1, w + 1), np.float32)
                    ii[1:, 1:] = fg.cumsum(0).cumsum(1)
                    flat.append(s.ravel())
                    integ.append(ii.ravel())
                    offs.append(n_flat)
                    ioffs.append(n_integ)
                    n_flat += s.size
                    n_integ += ii.size
                    hs.append(h)
                    ws.append(w)
                    nbrs.append([first + _mirror(i + d, n) for d in range(-r, r + 1)])
                    if fg.mean() >= fg_fraction:
                        usable.append(first + i)
            self.names.append(str(src))
        if not usable:
            raise SystemExit("no usable training slice: volumes too small or empty")
        dev = self.device
        self.flat = torch.from_numpy(np.concatenate(flat)).to(dev)
        self.integ = torch.from_numpy(np.concatenate(integ)).to(dev)
        self.off = torch.tensor(offs, dtype=torch.long, device=dev)
        self.ioff = torch.tensor(ioffs, dtype=torch.long, device=dev)
        self.h = torch.tensor(hs, dtype=torch.long, device=dev)
        self.w = torch.tensor(ws, dtype=torch.long, device=dev)
        self.nbr = torch.tensor(nbrs, dtype=torch.long, device=dev)
        self.usable = torch.tensor(usable, dtype=torch.long, device=dev)

    def __len__(self):
        return len(self.usable)

    def _fg_share(self, s, y, x, size):
        w1 = self.w[s] + 1
        base = self.ioff[s]
        at = lambda yy, xx: self.integ[base + yy * w1 + xx]
        total = at(y + size, x + size) - at(y, x + size) - at(y + size, x) + at(y, x)
        return total / float(size * size)

    def patches(self, n, size, gen):
        """n random patches (n, k, size, size); gen: a generator on the pool's device."""
        dev, t = self.device, self.tries
        pick = torch.randint(len(self.usable), (n, t), generator=gen, device=dev)
        s = self.usable[pick]
        y = (torch.rand(n, t, generator=gen, device=dev) * (self.h[s] - size + 1)).floor().long()
        x = (torch.rand(n, t, generator=gen, device=dev) * (self.w[s] - size + 1)).floor().long()
        ok = self._fg_share(s, y, x, size) > 0.3
        first = torch.where(ok.any(1), ok.float().argmax(1), torch.full((n,), t - 1, device=dev))
        rows = torch.arange(n, device=dev)
        s, y, x = s[rows, first], y[rows, first], x[rows, first]
        ar = torch.arange(size, device=dev)
        out = []
        for j in range(self.context):
            sj = self.nbr[s, j]
            idx = (self.off[sj][:, None, None] + (y[:, None, None] + ar[None, :, None]) * self.w[sj][:, None, None]
                   + x[:, None, None] + ar[None, None, :])
            out.append(self.flat[idx])
        p = torch.stack(out, 1)
        r = torch.randint(8, (n,), generator=gen, device=dev)
        res = torch.empty_like(p)
        for v in range(8):
            sel = r == v
            q = torch.rot90(p[sel], v % 4, (2, 3))
            res[sel] = torch.flip(q, (3,)) if v >= 4 else q
        return res


def pick_axial(vol, n, multiple):
    """The axial slices that validation and sweeps measure on.

    vol: (Z, H, W) tensor in [0, 1] -> (vol cropped to (Z, H', W') with H' and W' multiples of `multiple`, indices):
    min(n, number of slices with at least 30% foreground (> 0.1)) distinct such slice indices, ascending, evenly
    spaced from the first to the last; every slice qualifies when none does."""
    z, h, w = vol.shape
    vol = vol[:, :h - h % multiple, :w - w % multiple].contiguous()
    fg = (vol > 0.1).float().mean(dim=(1, 2))
    ok = torch.nonzero(fg >= 0.3).flatten().tolist() or list(range(z))
    k = min(n, len(ok))  # spacing over k, not n: asking for more slices than qualify gives each of them once
    return vol, [ok[round(i * (len(ok) - 1) / max(1, k - 1))] for i in range(k)]


def psnr(a, b):
    """PSNR in dB of a against b, both tensors in [0, 1] (peak 1): 10 log10(1 / MSE), MSE floored at 1e-12."""
    return 10 * math.log10(1.0 / max(float(((a - b) ** 2).mean()), 1e-12))


def _mirror(j, n):
    """Index j reflected into [0, n) about the edge slices (-1 -> 1, n -> n - 2)."""
    if n == 1:
        return 0
    period = 2 * (n - 1)
    j = abs(j) % period
    return period - j if j >= n else j


def describe(sources):
    return [os.path.relpath(str(s)) for s in sources]
