"""Grey PNG grids for the model's pictures (the 0.055 T comparisons): one writer for the scripts here.
Needs Debian's python3-pil (not among the launcher's model packages; a clear message when missing)."""
import numpy as np


def require(*modules):
    """SystemExit naming the Debian packages to install when a module a picture needs (PIL, pydicom) is
    missing; call it before the long work, not after."""
    import importlib

    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError:
            raise SystemExit(f"{m} is missing: apt-get install python3-pil python3-pydicom (Debian)")


def grid(rows, dest, header=None, gap=4, header_height=18):
    """Writes rows of (caption, image) panels as one grey PNG at dest.

    rows: lists of (caption or "", 2D array in [0, 1]), all panels of one shape (h, w); each caption is
    drawn in its panel's top-left corner. header: optional column titles drawn in a strip above the first
    row. Raises SystemExit when PIL is missing or the panels differ in shape."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        raise SystemExit("pictures need PIL: apt-get install python3-pil (Debian)")
    h, w = rows[0][0][1].shape
    if any(img.shape != (h, w) for row in rows for _, img in row):
        raise SystemExit("the picture's panels differ in size")
    top = header_height if header else 0
    cols = max(len(row) for row in rows)
    out = Image.new("L", (cols * (w + gap) - gap, top + len(rows) * (h + gap) - gap), 0)
    draw = ImageDraw.Draw(out)
    for c, text in enumerate(header or []):
        draw.text((c * (w + gap) + 4, 3), text, fill=255)
    for r, row in enumerate(rows):
        for c, (caption, img) in enumerate(row):
            x, y = c * (w + gap), top + r * (h + gap)
            out.paste(Image.fromarray((255 * np.clip(img, 0, 1)).round().astype(np.uint8), "L"), (x, y))
            if caption:
                draw.text((x + 4, y + 4), caption, fill=255)
    out.save(str(dest), optimize=True)
