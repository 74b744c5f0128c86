"""Seeded degradation simulator for training pairs and evaluation.

Every function takes an explicit torch.Generator so a seed reproduces the same LQ image.
Images are (B, 1, H, W) float tensors in [0, 1].
"""
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as Fn

KERNEL_SIZE = 15


def gaussian_kernel(sigma_x, sigma_y, theta, size=KERNEL_SIZE):
    """Anisotropic Gaussian kernel, normalised to sum 1."""
    r = (size - 1) / 2.0
    ax = torch.arange(size, dtype=torch.float32) - r
    yy, xx = torch.meshgrid(ax, ax, indexing="ij")
    c, s = math.cos(theta), math.sin(theta)
    u = c * xx + s * yy
    v = -s * xx + c * yy
    k = torch.exp(-0.5 * ((u / max(sigma_x, 1e-3)) ** 2 + (v / max(sigma_y, 1e-3)) ** 2))
    return k / k.sum()


def random_kernel(gen, sigma_range=(0.2, 2.0)):
    lo, hi = sigma_range
    sx = lo + (hi - lo) * torch.rand(1, generator=gen).item()
    sy = lo + (hi - lo) * torch.rand(1, generator=gen).item()
    theta = math.pi * torch.rand(1, generator=gen).item()
    return gaussian_kernel(sx, sy, theta), (sx, sy, theta)


def blur(img, kernels):
    """Blur each image of the batch with its own kernel (kernels: (B, k, k)); reflect padding."""
    b, _, h, w = img.shape
    k = kernels.shape[-1]
    pad = k // 2
    x = Fn.pad(img.reshape(1, b, h, w), (pad, pad, pad, pad), mode="reflect")
    return Fn.conv2d(x, kernels.reshape(b, 1, k, k), groups=b).reshape(b, 1, h, w)


def gaussian_noise(img, sigma, gen):
    return img + sigma * torch.randn(img.shape, generator=gen)


def rician_noise(img, sigma, gen):
    n1 = sigma * torch.randn(img.shape, generator=gen)
    n2 = sigma * torch.randn(img.shape, generator=gen)
    return torch.sqrt((img + n1) ** 2 + n2 ** 2)


def bicubic_down(img, scale):
    return Fn.interpolate(img, scale_factor=1.0 / scale, mode="bicubic", align_corners=False, antialias=True)


def area_down(img, scale):
    return Fn.avg_pool2d(img, scale)


def kspace_truncate(img, scale):
    """Keep the central 1/scale of k-space in each direction (what a lower acquisition matrix does)."""
    b, c, h, w = img.shape
    k = torch.fft.fftshift(torch.fft.fft2(img), dim=(-2, -1))
    nh, nw = h // scale, w // scale
    top, left = (h - nh) // 2, (w - nw) // 2
    k = k[..., top:top + nh, left:left + nw]
    out = torch.fft.ifft2(torch.fft.ifftshift(k, dim=(-2, -1))).abs()
    return out / (scale * scale)


def rect_mask(shape, gen, frac=(0.1, 0.25), inside=None):
    """One zeroed rectangle per image, side a fraction of the field of view; `inside` (B,1,H,W) bool
    restricts its centre to the foreground when given."""
    b, _, h, w = shape
    mask = torch.zeros(shape)
    for i in range(b):
        fh = frac[0] + (frac[1] - frac[0]) * torch.rand(1, generator=gen).item()
        fw = frac[0] + (frac[1] - frac[0]) * torch.rand(1, generator=gen).item()
        rh, rw = max(1, int(round(fh * h))), max(1, int(round(fw * w)))
        cy, cx = _centre(inside[i, 0] if inside is not None else None, h, w, gen)
        top = min(max(cy - rh // 2, 0), h - rh)
        left = min(max(cx - rw // 2, 0), w - rw)
        mask[i, 0, top:top + rh, left:left + rw] = 1.0
    return mask


def row_mask(shape, gen, max_rows=3):
    """Missing rows: how missing slices look in an orthogonal reformat of the volume."""
    b, _, h, w = shape
    mask = torch.zeros(shape)
    for i in range(b):
        n = 1 + int(torch.randint(max_rows, (1,), generator=gen).item())
        top = int(torch.randint(max(1, h - n), (1,), generator=gen).item())
        mask[i, 0, top:top + n, :] = 1.0
    return mask


def _centre(fg, h, w, gen):
    if fg is not None and fg.any():
        ys, xs = torch.nonzero(fg, as_tuple=True)
        j = int(torch.randint(len(ys), (1,), generator=gen).item())
        return int(ys[j]), int(xs[j])
    return int(torch.randint(h, (1,), generator=gen).item()), int(torch.randint(w, (1,), generator=gen).item())


class KernelPCA:
    """PCA basis of random anisotropic blur kernels: projects a kernel to `dims` values (the paper's
    dimension matching before stretching the code into condition maps)."""

    def __init__(self, dims, samples=2000, seed=1234):
        gen = torch.Generator().manual_seed(seed)
        ks = torch.stack([random_kernel(gen)[0].flatten() for _ in range(samples)])
        self.mean = ks.mean(0)
        _, _, v = torch.linalg.svd(ks - self.mean, full_matrices=False)
        self.basis = v[:dims]          # (dims, k*k)
        self.dims = dims

    def project(self, kernels):        # (B, k, k) -> (B, dims)
        return (kernels.flatten(1) - self.mean) @ self.basis.T

    def state_dict(self):
        return {"mean": self.mean, "basis": self.basis}

    def load_state_dict(self, d):
        self.mean, self.basis = d["mean"], d["basis"]
        self.dims = self.basis.shape[0]


@dataclass
class Degraded:
    lq: torch.Tensor          # (B,1,h,w) degraded low-resolution image, zero inside the hole
    mask_lq: torch.Tensor     # (B,1,h,w) 1 inside the missing region
    mask_hq: torch.Tensor     # (B,1,H,W) the same region at HQ resolution
    kernels: torch.Tensor     # (B,k,k) blur kernels applied
    noise: torch.Tensor       # (B,) noise sigma


def simulate(hq, scale, gen, noise_range=(0.0, 0.05), hole_prob=0.5, rows_prob=0.15, fg_threshold=0.05):
    """Random training degradation: blur, downsampling (bicubic, area or k-space), Gaussian or Rician
    noise, and a rectangular hole or missing rows. The hole is chosen at HQ resolution on the
    scale grid so that it is exact at both resolutions."""
    b, _, h, w = hq.shape
    kernels = torch.stack([random_kernel(gen)[0] for _ in range(b)])
    x = blur(hq, kernels)
    mode = int(torch.randint(3, (1,), generator=gen).item())
    if scale > 1:
        x = [bicubic_down, area_down, kspace_truncate][mode](x, scale)
    sig = noise_range[0] + (noise_range[1] - noise_range[0]) * torch.rand(b, generator=gen)
    rician = torch.rand(1, generator=gen).item() < 0.5
    noisy = rician_noise if rician else gaussian_noise
    x = torch.cat([noisy(x[i:i + 1], float(sig[i]), gen) for i in range(b)])
    x = x.clamp(0.0, 1.5)
    mask_lq = torch.zeros_like(x)
    r = torch.rand(b, generator=gen)
    fg = Fn.avg_pool2d(hq, scale) > fg_threshold if scale > 1 else hq > fg_threshold
    for i in range(b):
        if r[i] < hole_prob:
            mask_lq[i:i + 1] = rect_mask(x[i:i + 1].shape, gen, inside=fg[i:i + 1])
        elif r[i] < hole_prob + rows_prob:
            mask_lq[i:i + 1] = row_mask(x[i:i + 1].shape, gen)
    x = x * (1 - mask_lq)
    mask_hq = Fn.interpolate(mask_lq, scale_factor=float(scale), mode="nearest") if scale > 1 else mask_lq
    return Degraded(x, mask_lq, mask_hq, kernels, sig)


def condition_maps(pca, kernels, noise, mask_hq, gen):
    """Stretch the PCA code and noise level into image-size maps, add the mask and a random field."""
    b, _, h, w = mask_hq.shape
    code = pca.project(kernels)                                  # (B, dims)
    maps = code[:, :, None, None].expand(b, code.shape[1], h, w)
    nmap = noise[:, None, None, None].expand(b, 1, h, w) * 10.0
    z = torch.randn((b, 1, h, w), generator=gen)
    return torch.cat([maps, nmap, mask_hq, z], dim=1)


# --- the fixed evaluation protocols (documented in the README; never tuned) ---------------------

def protocol(hq, scale, name, seed):
    """SR-B: Gaussian blur sigma 0.5*scale, area downsampling. SR-N-B: SR-B + Rician sigma 0.03.
    SRI: SR-N-B + one zeroed rectangle of 20% x 20% of the field of view inside the head."""
    gen = torch.Generator().manual_seed(seed)
    b = hq.shape[0]
    s = 0.5 * scale
    size = 2 * int(math.ceil(3 * s)) + 1
    k = gaussian_kernel(s, s, 0.0, size).expand(b, size, size)
    x = area_down(blur(hq, k), scale)
    mask = torch.zeros_like(x)
    if name in ("SR-N-B", "SRI"):
        x = rician_noise(x, 0.03, gen)
    if name == "SRI":
        mask = rect_mask(x.shape, gen, frac=(0.2, 0.2), inside=area_down(hq, scale) > 0.1)
        x = x * (1 - mask)
    elif name != "SR-B" and name != "SR-N-B":
        raise ValueError(f"unknown protocol {name}")
    return x, mask
