#!/usr/bin/env bash
# One prepared run for a lent GPU machine (CUDA PyTorch there): four short loss/input ablations of the
# small preset (which settings the CPU default model should use) and a time-limited run of the paper
# preset, in parallel. Data: NIfTI files copied into ./gpu-data (not in git). Results go to $OUT.
# Usage on the device: bash models/scripts/gpu_runs.sh <minutes>
set -u
MIN=${1:-6}
cd "$(dirname "$0")/.."
D=../gpu-data
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0))"
TRAIN="$D/IXI012-HH-1211-T1_ds.nii.gz $D/IXI013-HH-1212-T1_ds.nii.gz $D/IXI015-HH-1258-T1_ds.nii.gz $D/ch2.nii.gz \
 $D/ADNI_Sag3D_MPRAGE_1301.nii.gz $D/MR_Gd.nii.gz $D/KmeansTest_T1UCharRaw.nii.gz"
COMMON="--hq $TRAIN --val $D/IXI014-HH-1236-T1_ds.nii.gz --device cuda --threads 3 --ckpt-every 1000 --val-every 1000 \
 --scale 2 --steps-phi 300 --adv 0.001 --lr 2e-4 --max-minutes $MIN"
run() { name=$1; shift; python3 -m hlhgan.train $COMMON --out "$OUT/runs/$name" "$@" > "$OUT/$name.log" 2>&1 & }
run A-pixel      --preset small --steps-g 1500 --steps-f 30000 --warmup-f 30000 --steps-joint 0 --delta 0 --beta 0 --g-mix 0
run B-pixel-gmix --preset small --steps-g 1500 --steps-f 30000 --warmup-f 30000 --steps-joint 0 --delta 0 --beta 0 --g-mix 0.2
run C-perc       --preset small --steps-g 1500 --steps-f 30000 --warmup-f 30000 --steps-joint 0 --delta 0.001 --beta 0.0001 --g-mix 0
run D-perc-gmix  --preset small --steps-g 1500 --steps-f 30000 --warmup-f 30000 --steps-joint 0 --delta 0.001 --beta 0.0001 --g-mix 0.2
run paper-x2     --preset paper --steps-g 3000 --steps-f 200000 --warmup-f 10000 --steps-joint 0 --delta 0.001 --beta 0.0001 --g-mix 0.2 --name hlhgan-paper-x2
wait
grep -h "validation\|stopping\|exported" "$OUT"/*.log > "$OUT/summary.txt"
mkdir -p "$OUT/paper"
cp "$OUT/runs/paper-x2/export/config.json" "$OUT/runs/paper-x2/export/f_state.pt" "$OUT/runs/paper-x2/export/model.pt" "$OUT/paper/" 2>/dev/null
tail -n 3 "$OUT"/*.log
rm -rf "$OUT/runs"
