"""The paper's objective, eqs. (1)-(9).

L_HL  = L_AHL + alpha * L_CHL              (2), (3)
L_LH  = L_ALH + delta * L_CLH + beta * L_TLH (5), (6), (7)
L_HLH = L_HL + L_LH + lambda * L_cyc        (8), (9)
Adversarial terms use the logistic form of eq. (2); generators take the non-saturating form.
"""
from dataclasses import dataclass

import torch
import torch.nn.functional as Fn


@dataclass(frozen=True)
class Weights:
    alpha: float = 10.0    # H-L content
    delta: float = 10.0    # L-H content
    beta: float = 0.1      # L-H texture
    lam: float = 1.0       # cycle
    adv: float = 1.0       # multiplies both generator adversarial terms (1 = the paper)


def d_loss(d_real_logits, d_fake_logits):
    """Discriminator side of eqs. (2)/(5): maximise log D(real) + log(1 - D(fake))."""
    return (Fn.binary_cross_entropy_with_logits(d_real_logits, torch.ones_like(d_real_logits))
            + Fn.binary_cross_entropy_with_logits(d_fake_logits, torch.zeros_like(d_fake_logits)))


def g_adv_loss(d_fake_logits):
    """Generator side of eqs. (2)/(5), non-saturating: -log D(G(x))."""
    return Fn.binary_cross_entropy_with_logits(d_fake_logits, torch.ones_like(d_fake_logits))


def _to_hq_size(lq, like):
    return Fn.interpolate(lq, size=like.shape[-2:], mode="bicubic", align_corners=False)


def _scale(ref):
    """Mean magnitude of the HQ features: dividing by it makes the paper's weights independent of
    phi's activation scale (an MRI-trained narrow phi has far smaller activations than ImageNet VGG)."""
    return ref.detach().abs().mean().clamp_min(1e-6)


def content_hl(phi, fake_lq, hq):
    """Eq. (3): l1 between phi(G(I_H)) and phi(I_H) on conv4_4 (G's output brought to HQ size first)."""
    a, b = phi(_to_hq_size(fake_lq, hq))["conv4_4"], phi(hq)["conv4_4"]
    return (a - b).abs().mean() / _scale(b)


def gram(x):
    b, c, h, w = x.shape
    f = x.reshape(b, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def content_and_texture_lh(phi, fake_hq, hq):
    """Eqs. (6) and (7): squared l2 on relu5_1; Gram matrices of relu3_1 and relu4_1."""
    a, b = phi(fake_hq), phi(hq)
    content = ((a["relu5_1"] - b["relu5_1"]) ** 2).mean() / _scale(b["relu5_1"]) ** 2
    texture = sum(((gram(a[k]) - gram(b[k])) ** 2).mean() / _scale(gram(b[k])) ** 2 for k in ("relu3_1", "relu4_1"))
    return content, texture


def cycle(f_of_g_hq, hq, g_of_f_lq=None, lq=None, norm="l1"):
    """Eq. (8): ||F(G(I_H)) - I_H||_1 + ||G(F(I_L)) - I_L||_1 (the second term when I_L is given), means over
    pixels. norm="l2" takes mean squared errors instead (not the paper's: PSNR is a mean squared error, which an L1
    loss does not minimise; for a PSNR-oriented fine-tuning of F)."""
    if norm not in ("l1", "l2"):
        raise ValueError(f"cycle norm must be l1 or l2, not {norm!r}")
    def dist(a, b):
        return (a - b).abs().mean() if norm == "l1" else ((a - b) ** 2).mean()
    loss = dist(f_of_g_hq, hq)
    if g_of_f_lq is not None:
        loss = loss + dist(g_of_f_lq, lq)
    return loss
