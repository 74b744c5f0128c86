import numpy as np
import torch

from hlhgan import data, export, networks


def _volume(tmp_path):
    vol = np.zeros((5, 48, 48), np.float32)
    yy, xx = np.mgrid[0:48, 0:48]
    for i in range(5):
        vol[i] = (((yy - 24) ** 2 + (xx - 24) ** 2) < 20 ** 2) * (0.5 + 0.3 * np.sin(xx / 2.0 + i))
    np.savez_compressed(tmp_path / "v.npz", vol=vol, normalised=np.array(True))
    return tmp_path / "v.npz"


def test_sweep_compares_each_model_with_bicubic_on_the_same_inputs(tmp_path, capsys):
    from scripts import blur_sweep
    v = _volume(tmp_path)
    torch.manual_seed(0)
    same = networks.GeneratorLH(2, 8, (1, 1, 1), "harmonic").eval()
    for p in same.tail.parameters():          # F's correction is zero: F is bicubic upsampling
        torch.nn.init.zeros_(p)
    other = networks.GeneratorLH(2, 8, (1, 1, 1), "harmonic").eval()
    export.export(same, None, tmp_path / "same", {"name": "t", "scale": 2})
    export.export(other, None, tmp_path / "other", {"name": "t", "scale": 2})
    blur_sweep.main(["--model", f"bic={tmp_path / 'same'}", f"rand={tmp_path / 'other'}", "--volumes", str(v),
                     "--blur", "0", "1", "--noise", "0", "0.03", "--slices", "3", "--kspace"])
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith("| ") and not r.startswith("| blur")]
    assert len(rows) == 6 and rows[-1].startswith("| k-space | 0.03 |")
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split("|")]
        assert cells[2] == "+0.00"                      # bicubic against itself
        assert cells[3] != "+0.00" and float(cells[3]) < 0   # an untrained correction only adds error


def test_degrade_blurs_downsamples_and_adds_noise_only_when_asked():
    from scripts import blur_sweep
    hq = torch.rand(2, 1, 16, 16)
    plain = blur_sweep.degrade(hq, 2, 0, 0, 1)
    assert plain.shape == (2, 1, 8, 8)
    assert torch.allclose(plain, hq.reshape(2, 1, 8, 2, 8, 2).mean(dim=(3, 5)), atol=1e-6)
    assert not torch.allclose(blur_sweep.degrade(hq, 2, 1.0, 0, 1), plain)
    noisy = blur_sweep.degrade(hq, 2, 0, 0.03, 1)
    assert torch.equal(noisy, blur_sweep.degrade(hq, 2, 0, 0.03, 1)) and not torch.allclose(noisy, plain)
    k = blur_sweep.degrade(hq, 2, "k-space", 0, 1)
    assert k.shape == (2, 1, 8, 8) and not torch.allclose(k, plain) and float(k.min()) >= 0


def test_the_slice_picker_spreads_over_the_head_and_never_repeats_a_slice():
    """Validation and sweeps measure on data.pick_axial's slices: evenly spread over the slices with at least 30%
    foreground, each once, also when more are asked for than qualify (the picker once repeated the first ones)."""
    vol = torch.zeros(20, 37, 35)
    vol[5:15, 4:30, 4:30] = 0.8  # slices 5..14 qualify (26x26 of 32x32 after cropping to multiples of 8)
    cropped, pick = data.pick_axial(vol, 4, 8)
    assert cropped.shape == (20, 32, 32)
    assert pick == [5, 8, 11, 14]
    _, every = data.pick_axial(vol, 50, 8)
    assert every == list(range(5, 15))
    _, none = data.pick_axial(torch.zeros(3, 16, 16), 8, 8)
    assert none == [0, 1, 2]
