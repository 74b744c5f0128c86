"""Volumes in (NIfTI files, DICOM series folders, IXI trees), slices and patches out."""
import os
import re
from pathlib import Path

import numpy as np
import torch

VOLUME_SUFFIXES = (".nii", ".nii.gz")


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
            vol = normalise(load_volume(src))
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


def describe(sources):
    return [os.path.relpath(str(s)) for s in sources]
