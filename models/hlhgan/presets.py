"""Network sizes. `paper` follows the paper's text; `small` trains usefully on two CPU cores."""
from dataclasses import dataclass, asdict, replace


@dataclass(frozen=True)
class Preset:
    name: str
    filters: int              # filters of every 3x3 conv in G and F
    g_blocks: int             # residual blocks of the H-L generator G
    f_groups: tuple           # residual blocks per group of the L-H generator F (paper: 12-3-2)
    dg_blocks: int            # residual blocks of D_G (paper: six, no batch norm)
    df_filters: int           # base width of D_F
    vgg_width: int            # width of phi's first VGG19 stage (64 in VGG19); later stages double up to 8x
    pca_dims: int             # blur kernel PCA components stretched into condition maps
    patch: int                # HQ training patch side
    batch: int

    def to_dict(self):
        d = asdict(self)
        d["f_groups"] = list(self.f_groups)
        return d


PRESETS = {
    "paper": Preset("paper", filters=32, g_blocks=12, f_groups=(12, 3, 2), dg_blocks=6,
                    df_filters=64, vgg_width=64, pca_dims=10, patch=96, batch=16),
    "small": Preset("small", filters=24, g_blocks=4, f_groups=(6, 2, 1), dg_blocks=6,
                    df_filters=16, vgg_width=8, pca_dims=6, patch=64, batch=12),
    # for tests only: every block present, tiny widths
    "tiny": Preset("tiny", filters=8, g_blocks=2, f_groups=(2, 1, 1), dg_blocks=6,
                   df_filters=8, vgg_width=4, pca_dims=4, patch=32, batch=2),
}


def get(name: str, **overrides) -> Preset:
    if name not in PRESETS:
        raise SystemExit(f"unknown preset '{name}': choose one of {', '.join(PRESETS)}")
    return replace(PRESETS[name], **overrides) if overrides else PRESETS[name]
