#!/usr/bin/env bash
# One prepared run for a lent GPU machine (CUDA PyTorch there, numpy, no nibabel): model 0.3 candidates,
# trained in parallel on the batched tensor pipeline for <minutes> each, paper preset, L1 (cycle) loss only,
# half the samples degraded like the SR-B / SR-N-B protocols and half over the blind range:
#   x2-2d  x2, 2D (the node's contract)       x2-k3  x2, 3 adjacent slices (2.5D)       x4-2d  x4, 2D
# Data: ../gpu-data/{train,val}_*.npz from scripts/make_gpu_data.py (carried, not in git). Validation
# volumes (IXI014, IXI033, register_T2w, GE PD) are never trained on.
# Each model comes back as $OUT/<name>.tgz (export/ with model.pt, f_state.pt, f_state.npz, config.json; train.log).
# Usage on the device: OUT=... bash models/scripts/gpu_train_v03.sh [minutes] [max F steps]
# Local check: PY=/usr/bin/python3 OUT=/tmp/out DEVICE=cpu BATCH=2 THREADS=1 SERIAL=1 bash models/scripts/gpu_train_v03.sh 0.3 3
set -u
MIN=${1:-7}
STEPS=${2:-100000000}
DEVICE=${DEVICE:-cuda}
cd "$(dirname "$0")/.."
D=../gpu-data
WORK=${WORK:-/tmp/v03-runs}
rm -rf "$WORK" && mkdir -p "$WORK" "$OUT"
PY=${PY:-python3}
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${THREADS:-4}
$PY -c "import torch, numpy; print('torch', torch.__version__, 'numpy', numpy.__version__, 'cuda', torch.cuda.is_available(),
 torch.cuda.get_device_name(0) if torch.cuda.is_available() else '-')" 2>&1 | tee "$OUT/env.txt"
TRAIN=$(ls $D/train_*.npz)
VAL=$(ls $D/val_*.npz)
COMMON="--hq $TRAIN --val $VAL --device $DEVICE --threads ${THREADS:-4} --preset paper --batch ${BATCH:-32}
 --steps-phi 0 --steps-g 0 --steps-f $STEPS --steps-joint 0 --warmup-f 1000000000 --adv 0 --delta 0 --beta 0 --g-mix 0
 --fill harmonic --lr 2e-4 --cosine-minutes $MIN --max-minutes $MIN --protocol-mix 0.5 --pipeline tensor --seed 0
 --ckpt-every 2000 --val-every 2000"
LIMIT=$($PY -c "print(int($MIN * 60 + 120))")
run() {
  name=$1; shift
  cmd="timeout $LIMIT $PY -m hlhgan.train $COMMON --out $WORK/$name --export $WORK/$name/export $*"
  if [ "${SERIAL:-0}" = 1 ]; then $cmd > "$WORK/$name.log" 2>&1; else $cmd > "$WORK/$name.log" 2>&1 & fi
}
run x2-2d --scale 2 --context 1 --name sri-default-x2 --model-version 0.3.0
run x2-k3 --scale 2 --context 3 --name sri-x2-context3 --model-version 0.3.0-k3
run x4-2d --scale 4 --context 1 --name sri-default-x4 --model-version 0.1.0
wait
for name in x2-2d x2-k3 x4-2d; do
  r=$WORK/$name
  mkdir -p "$r" && cp "$WORK/$name.log" "$r/stdout.log"
  if [ -f "$r/export/f_state.pt" ]; then   # plain arrays too: readable by any PyTorch for a re-export
    $PY -c "import sys, torch, numpy as np; s = torch.load(sys.argv[1], map_location='cpu');
np.savez(sys.argv[2], **{k: v.numpy() for k, v in s.items()})" "$r/export/f_state.pt" "$r/export/f_state.npz"
  fi
  tar czf "$OUT/$name.tgz" -C "$r" $(cd "$r" && ls -d export train.log stdout.log 2>/dev/null)
  echo "== $name: $(grep -c . "$WORK/$name.log") log lines, last F progress:"
  grep "^\[f" "$WORK/$name.log" | tail -n 1 | cut -c1-200
  grep -h "validation\|stopping\|exported\|Error\|error" "$WORK/$name.log" | tail -n 4 | cut -c1-900
done 2>&1 | tee "$OUT/summary.txt"
ls -la "$OUT"
