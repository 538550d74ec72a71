#!/usr/bin/env bash
# Runs our benchmarks and their references back to back, alternating, so the
# numbers in BENCHMARKS.md come from one run on one machine state.
#   bash bench/compare.sh [gemm] [train] [blocks]     (default: gemm and train)
# References, the project's own runners:
#   gemm   OpenBLAS sgemm with the kernels of our widest ISA on this CPU
#          (AVX-512: OPENBLAS_CORETYPE=SkylakeX; otherwise OpenBLAS's own pick,
#          e.g. Zen or Haswell), measured by gemm_bench --openblas in the same
#          process right after each of our shapes;
#   train  PyTorch training and batch-1 predict on train.mjs's configurations
#          (bench/reference/torch_mlp.py, OMP_WAIT_POLICY=passive);
#   blocks the mnist configuration plain and with batch normalization and
#          dropout 0.2 on every hidden block, ours and PyTorch's with the same
#          blocks (BatchNorm1d after the Linear, Dropout after the activation).
# Needs: apt-get install libopenblas-dev python3-torch python3-threadpoolctl
# Output: JSON lines in bench/results/<UTC stamp>/, one file per step.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
steps=("$@"); [[ ${#steps[@]} -gt 0 ]] || steps=(gemm train)

npm run build --silent
# Our widest ISA here, and the OpenBLAS kernels that match it.
isa=$(node -e "console.log(require('./dist/index.js').info().isa)")
coretype=; [[ $isa != avx512 ]] || coretype=SkylakeX
openblas() { env -u OPENBLAS_L2_SIZE ${coretype:+OPENBLAS_CORETYPE=$coretype} OPENBLAS_NUM_THREADS="$1" "${@:2}"; }
for step in "${steps[@]}"; do
  case $step in
    gemm)
      for t in 1 2; do
        openblas "$t" node bench/gemm.mjs --json --isa "$isa" --threads "$t" --openblas >> "$out/gemm.jsonl"
      done ;;
    train)
      for t in 1 2; do
        node bench/train.mjs --json --backends native --threads "$t" --configs small,mnist,wide >> "$out/train-ours.jsonl"
        OMP_WAIT_POLICY=passive openblas "$t" /usr/bin/python3 bench/reference/torch_mlp.py --threads "$t" \
          >> "$out/train-torch.jsonl"
      done
      node bench/train.mjs --json --backends js --configs xor,small,mnist --seconds 3 >> "$out/train-js.jsonl" ;;
    blocks)
      for t in 1 2; do
        for blocks in "--normalization none --dropout 0" "--normalization batch --dropout 0.2"; do
          # $blocks unquoted: it is two flags with their values.
          node bench/train.mjs --json --backends native --threads "$t" --configs mnist $blocks >> "$out/blocks-ours.jsonl"
          OMP_WAIT_POLICY=passive openblas "$t" /usr/bin/python3 bench/reference/torch_mlp.py --threads "$t" \
            --configs mnist $blocks >> "$out/blocks-torch.jsonl"
        done
      done ;;
    *) echo "unknown step $step (gemm, train, blocks)" >&2; exit 2 ;;
  esac
done
echo "results in $out"
