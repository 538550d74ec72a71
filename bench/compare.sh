#!/usr/bin/env bash
# Runs our benchmarks and their references back to back, alternating, so the
# numbers in BENCHMARKS.md come from one run on one machine state.
#   bash bench/compare.sh [gemm] [train]     (default: both)
# References, the project's own runners in bench/reference/:
#   openblas_gemm.c  OpenBLAS cblas_sgemm on gemm_bench's shapes, with its
#                    AVX-512 kernels (OPENBLAS_CORETYPE=SkylakeX);
#   torch_mlp.py     PyTorch training and batch-1 predict on train.mjs's
#                    configurations (OMP_WAIT_POLICY=passive).
# Needs: apt-get install libopenblas-dev python3-torch python3-threadpoolctl
# Output: JSON lines in bench/results/<UTC stamp>/, one file per step.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out" build-cmake/reference
steps=("$@"); [[ ${#steps[@]} -gt 0 ]] || steps=(gemm train)

openblas() { env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS="$1" "${@:2}"; }

npm run build --silent
for step in "${steps[@]}"; do
  case $step in
    gemm)
      cc -O2 -o build-cmake/reference/openblas_gemm bench/reference/openblas_gemm.c -lopenblas
      for t in 1 2; do
        node bench/gemm.mjs --json --isa avx512 --threads "$t" >> "$out/gemm-ours.jsonl"
        openblas "$t" build-cmake/reference/openblas_gemm --threads "$t" >> "$out/gemm-openblas.jsonl"
      done ;;
    train)
      for t in 1 2; do
        node bench/train.mjs --json --backends native --threads "$t" --configs small,mnist,wide >> "$out/train-ours.jsonl"
        OMP_WAIT_POLICY=passive openblas "$t" /usr/bin/python3 bench/reference/torch_mlp.py --threads "$t" \
          >> "$out/train-torch.jsonl"
      done
      node bench/train.mjs --json --backends js --configs xor,small,mnist --seconds 3 >> "$out/train-js.jsonl" ;;
    *) echo "unknown step $step (gemm, train)" >&2; exit 2 ;;
  esac
done
echo "results in $out"
