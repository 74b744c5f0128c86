"""Seeded degradation simulator for training pairs and evaluation.

Every function takes an explicit torch.Generator so a seed reproduces the same LQ image.
Images are (B, 1, H, W) float tensors in [0, 1].

Two paths draw from the same distribution of degradations: `simulate` (per-sample Python loops on
the CPU, the path models up to 0.2.0 were trained with) and `simulate_batch` (whole-batch tensor code
on the images' device, with per-sample blur, downsampling mode, noise type and holes). Their
generators consume random numbers differently, so a seed gives different images in the two paths.
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
    """Keep the central 1/scale of k-space in each direction (what a lower acquisition matrix does).

    The result lies on the grid of `area_down` and `bicubic_down`: low-resolution pixel i is centred on
    high-resolution position scale * i + (scale - 1) / 2, the centre of the block it replaces (the
    convention of the node's derived geometry, `Geometry2D.upscaledPosition`). A plain crop of the
    spectrum would sample at scale * i, (scale - 1) / (2 scale) of a low-resolution pixel off that grid
    (up to sri-default-x2 0.3.0 and sri-default-x4 0.1.0 it did, for the k-space share of the blind
    training samples); a linear phase moves the image by (scale - 1) / 2 pixels first. Both sides must be
    multiples of scale (else the kept grid's spacing is not scale; ValueError)."""
    b, c, h, w = img.shape
    if h % scale or w % scale:
        raise ValueError(f"k-space truncation needs sides that are multiples of {scale}, got {h}x{w}")
    d = (scale - 1) / 2.0
    fy = torch.fft.fftfreq(h, device=img.device)[:, None]
    fx = torch.fft.fftfreq(w, device=img.device)[None, :]
    phase = torch.exp(2j * math.pi * d * (fy + fx))
    k = torch.fft.fftshift(torch.fft.fft2(img) * phase, dim=(-2, -1))
    nh, nw = h // scale, w // scale
    top, left = h // 2 - nh // 2, w // 2 - nw // 2   # fftshift puts frequency 0 at h // 2: a band symmetric about it
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

    def to(self, device):
        self.mean, self.basis = self.mean.to(device), self.basis.to(device)
        return self

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
    z = torch.randn((b, 1, h, w), generator=gen, device=mask_hq.device)
    return torch.cat([maps, nmap, mask_hq, z], dim=1)


# --- batched simulator: whole-batch tensor code on the images' device -----------------------------

MODES = ("bicubic", "area", "kspace")
HOLE_NONE, HOLE_RECT, HOLE_ROWS = 0, 1, 2


@dataclass
class Params:
    """Per-sample degradation parameters, all (B,) tensors on one device."""
    sx: torch.Tensor
    sy: torch.Tensor
    theta: torch.Tensor
    mode: torch.Tensor        # index into MODES
    sigma: torch.Tensor       # noise standard deviation
    rician: torch.Tensor      # bool: Rician, else Gaussian
    hole: torch.Tensor        # HOLE_NONE, HOLE_RECT or HOLE_ROWS

    def where(self, take_other, other):
        """Per sample: `other`'s parameters where take_other is true, else this one's."""
        return Params(*[torch.where(take_other, b, a) for a, b in zip(self.tuple(), other.tuple())])

    def tuple(self):
        return self.sx, self.sy, self.theta, self.mode, self.sigma, self.rician, self.hole


def _uniform(b, lo, hi, gen, device):
    return lo + (hi - lo) * torch.rand(b, generator=gen, device=device)


def _holes(b, gen, device, hole_prob, rows_prob):
    r = torch.rand(b, generator=gen, device=device)
    hole = torch.full((b,), HOLE_NONE, dtype=torch.long, device=device)
    hole = torch.where(r < hole_prob + rows_prob, torch.full_like(hole, HOLE_ROWS), hole)
    return torch.where(r < hole_prob, torch.full_like(hole, HOLE_RECT), hole)


def sample_blind(b, gen, device, sigma_range=(0.2, 2.0), noise_range=(0.0, 0.05), hole_prob=0.5, rows_prob=0.15):
    """The blind training range of `simulate`, drawn per sample: anisotropic blur, one of three
    downsampling modes, Gaussian or Rician noise, a rectangle or missing rows."""
    return Params(_uniform(b, *sigma_range, gen, device), _uniform(b, *sigma_range, gen, device),
                  _uniform(b, 0.0, math.pi, gen, device),
                  torch.randint(len(MODES), (b,), generator=gen, device=device),
                  _uniform(b, *noise_range, gen, device),
                  torch.rand(b, generator=gen, device=device) < 0.5,
                  _holes(b, gen, device, hole_prob, rows_prob))


def sample_protocol_like(b, scale, gen, device, noise_max=0.05, clean_prob=0.3, hole_prob=0.5, rows_prob=0.15):
    """Acquisitions like the SR-B / SR-N-B protocols: isotropic Gaussian blur of 0.5 * scale LR
    pixels +-15%, area downsampling, Rician noise (none in `clean_prob` of the samples, else
    sigma 0.01 to noise_max), holes as in the blind range."""
    s = 0.5 * scale * _uniform(b, 0.85, 1.15, gen, device)
    sigma = _uniform(b, 0.01, noise_max, gen, device)
    sigma = torch.where(torch.rand(b, generator=gen, device=device) < clean_prob, torch.zeros_like(sigma), sigma)
    return Params(s, s.clone(), torch.zeros_like(s), torch.full((b,), MODES.index("area"), dtype=torch.long, device=device),
                  sigma, torch.ones(b, dtype=torch.bool, device=device), _holes(b, gen, device, hole_prob, rows_prob))


SHARP_SIGMA = (0.0, 0.5)   # blur of the `sharp_mix` samples, HQ pixels per axis: nearly none


def sample_params(b, scale, gen, device, protocol_mix=0.0, holes=True, sharp_mix=0.0):
    """Blind-range parameters, with `protocol_mix` of the samples drawn like the evaluation protocols;
    holes=False: no sample gets a hole (for G against real scans, which have none). sharp_mix: that share of
    the samples (whichever range drew them) gets a blur of SHARP_SIGMA only, so that inputs that are already
    sharp (an acquisition by k-space truncation alone) are seen often; in the blind range both axes fall
    below 0.5 pixel in under 3% of the samples."""
    p = sample_blind(b, gen, device)
    if protocol_mix > 0:
        take = torch.rand(b, generator=gen, device=device) < protocol_mix
        p = p.where(take, sample_protocol_like(b, scale, gen, device))
    if sharp_mix > 0:
        sharp = torch.rand(b, generator=gen, device=device) < sharp_mix
        p.sx = torch.where(sharp, _uniform(b, *SHARP_SIGMA, gen, device), p.sx)
        p.sy = torch.where(sharp, _uniform(b, *SHARP_SIGMA, gen, device), p.sy)
    if not holes:
        p.hole = torch.full_like(p.hole, HOLE_NONE)
    return p


def gaussian_kernels(sx, sy, theta, size=KERNEL_SIZE):
    """Batched `gaussian_kernel`: (B,) parameters to (B, size, size) kernels, each summing to 1."""
    r = (size - 1) / 2.0
    ax = torch.arange(size, dtype=torch.float32, device=sx.device) - r
    yy, xx = torch.meshgrid(ax, ax, indexing="ij")
    c, s = torch.cos(theta)[:, None, None], torch.sin(theta)[:, None, None]
    u = c * xx + s * yy
    v = -s * xx + c * yy
    k = torch.exp(-0.5 * ((u / sx.clamp_min(1e-3)[:, None, None]) ** 2 + (v / sy.clamp_min(1e-3)[:, None, None]) ** 2))
    return k / k.sum(dim=(1, 2), keepdim=True)


def rect_masks(shape, gen, device, frac=(0.1, 0.25), inside=None):
    """Batched `rect_mask`: one rectangle per image, centre drawn from `inside` (B,1,H,W) where it has
    foreground, uniformly otherwise."""
    b, _, h, w = shape
    rh = (_uniform(b, *frac, gen, device) * h).round().clamp_min(1).long()
    rw = (_uniform(b, *frac, gen, device) * w).round().clamp_min(1).long()
    weight = torch.ones(b, h * w, device=device) * 1e-9
    if inside is not None:
        weight = weight + inside.reshape(b, h * w).float()
    pick = torch.multinomial(weight, 1, generator=gen).squeeze(1)
    cy, cx = pick // w, pick % w
    top = torch.minimum((cy - rh // 2).clamp_min(0), h - rh)
    left = torch.minimum((cx - rw // 2).clamp_min(0), w - rw)
    ys = torch.arange(h, device=device)[None, :, None]
    xs = torch.arange(w, device=device)[None, None, :]
    m = ((ys >= top[:, None, None]) & (ys < (top + rh)[:, None, None])
         & (xs >= left[:, None, None]) & (xs < (left + rw)[:, None, None]))
    return m[:, None].float()


def row_masks(shape, gen, device, max_rows=3):
    """Batched `row_mask`: 1 to max_rows adjacent missing rows per image."""
    b, _, h, w = shape
    n = 1 + torch.randint(max_rows, (b,), generator=gen, device=device)
    top = (torch.rand(b, generator=gen, device=device) * (h - n).clamp_min(1)).floor().long()
    ys = torch.arange(h, device=device)[None, :]
    m = (ys >= top[:, None]) & (ys < (top + n)[:, None])
    return m[:, None, :, None].expand(b, 1, h, w).float()


def _downsample(x, scale, mode):
    """Per-sample downsampling mode: the three are computed for the batch and selected."""
    if scale == 1:
        return x
    out = area_down(x, scale)
    for i, f in ((0, bicubic_down), (2, kspace_truncate)):
        sel = mode == i
        if bool(sel.any()):
            out = torch.where(sel[:, None, None, None], f(x, scale), out)
    return out


def degrade(hq, scale, params, gen, fg_threshold=0.05):
    """Degrade a batch of HQ stacks (B, k, H, W) with per-sample parameters: every slice of a stack
    gets the sample's blur, downsampling and noise level with its own noise; the hole (rectangle or
    rows) is cut into the centre slice only. Returns a Degraded with lq (B, k, h, w)."""
    b, k, h, w = hq.shape
    dev = hq.device
    rep = lambda t: t.repeat_interleave(k)
    kernels = gaussian_kernels(params.sx, params.sy, params.theta)
    x = blur(hq.reshape(b * k, 1, h, w), kernels.repeat_interleave(k, 0))
    x = _downsample(x, scale, rep(params.mode))
    sig = rep(params.sigma)[:, None, None, None]
    n1 = sig * torch.randn(x.shape, generator=gen, device=dev)
    n2 = sig * torch.randn(x.shape, generator=gen, device=dev)
    x = torch.where(rep(params.rician)[:, None, None, None], torch.sqrt((x + n1) ** 2 + n2 ** 2), x + n1)
    x = x.clamp(0.0, 1.5).reshape(b, k, h // scale, w // scale)
    c = k // 2
    centre = hq[:, c:c + 1]
    lq_shape = (b, 1, h // scale, w // scale)
    fg = (Fn.avg_pool2d(centre, scale) if scale > 1 else centre) > fg_threshold
    rect = rect_masks(lq_shape, gen, dev, inside=fg)
    rows = row_masks(lq_shape, gen, dev)
    hole = params.hole[:, None, None, None]
    mask_lq = torch.where(hole == HOLE_RECT, rect, torch.where(hole == HOLE_ROWS, rows, torch.zeros_like(rect)))
    x = torch.cat([x[:, :c], x[:, c:c + 1] * (1 - mask_lq), x[:, c + 1:]], dim=1)
    mask_hq = Fn.interpolate(mask_lq, scale_factor=float(scale), mode="nearest") if scale > 1 else mask_lq
    return Degraded(x, mask_lq, mask_hq, kernels, params.sigma)


def simulate_batch(hq, scale, gen, protocol_mix=0.0, holes=True, sharp_mix=0.0):
    """The training degradation as batched tensor code on hq's device (gen: a generator on that
    device). hq (B, k, H, W): k adjacent slices per sample (k = 1: single slices); holes=False: none;
    sharp_mix: see `sample_params`."""
    params = sample_params(hq.shape[0], scale, gen, hq.device, protocol_mix, holes, sharp_mix)
    return degrade(hq, scale, params, gen)


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
