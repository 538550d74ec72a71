#!/usr/bin/env bash
# Runs our benchmarks and the references back to back, alternating, so the
# numbers in BENCHMARKS.md come from one run on one machine state.
#   bash bench/compare.sh [gemm] [train] [js]     (default: all three)
# References: OpenBLAS sgemm with the kernels of our widest ISA on this CPU
# (AVX-512: OPENBLAS_CORETYPE=SkylakeX; otherwise OpenBLAS's own pick for the
# CPU, e.g. Zen or Haswell, both AVX2), measured by
# gemm_bench --openblas in the same process right after each of our shapes;
# from ../shared/anchors, PyTorch 1.13 training (torch_mlp.py,
# OMP_WAIT_POLICY=passive) and TensorFlow.js's pure-JS cpu backend (anchors/js).
# Needs: apt-get install libopenblas-dev python3-torch python3-threadpoolctl;
# for `js`, `npm ci` in a writable copy of anchors/js (ANCHORS_JS, below).
# Output: JSON lines in bench/results/<UTC stamp>/, one file per step.
set -euo pipefail
cd "$(dirname "$0")/.."
anchors=${ANCHORS:-$(cd ../shared/anchors && pwd)}
anchors_js=${ANCHORS_JS:-/tmp/anchors-js}
out=bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
steps=("$@"); [[ ${#steps[@]} -gt 0 ]] || steps=(gemm train js)

canary() { bash "$anchors/canary.sh" "$1" >> "$out/canary.jsonl" 2>/dev/null || true; }
npm run build --silent
# Our widest ISA here, and the OpenBLAS kernels that match it.
isa=$(node -e "import('backprop').then(b => console.log(b.info().isa))")
coretype=; [[ $isa != avx512 ]] || coretype=SkylakeX
openblas() { env -u OPENBLAS_L2_SIZE ${coretype:+OPENBLAS_CORETYPE=$coretype} OPENBLAS_NUM_THREADS="$1" "${@:2}"; }
for step in "${steps[@]}"; do
  case $step in
    gemm)
      for t in 1 2; do
        canary "gemm-t$t"
        openblas "$t" node bench/gemm.mjs --json --isa "$isa" --threads "$t" --openblas >> "$out/gemm.jsonl"
      done ;;
    train)
      for t in 1 2; do
        canary "train-t$t"
        node bench/train.mjs --json --backends native --threads "$t" >> "$out/train-ours.jsonl"
        OMP_WAIT_POLICY=passive openblas "$t" /usr/bin/python3 "$anchors/torch_mlp.py" --threads "$t" --no-startup \
          | grep '^{' >> "$out/train-torch.jsonl"
      done
      node bench/train.mjs --json --backends js --configs xor,small,mnist --seconds 3 >> "$out/train-js.jsonl" ;;
    js)
      canary js
      node bench/train.mjs --json --backends js --configs mnist --opts sgd --seconds 3 >> "$out/js-ours.jsonl"
      (cd "$anchors_js" && node bench.mjs --only tfjs-cpu-minimize,tfjs-cpu-fit --configs mnist --no-evloop) > "$out/js-tfjs.md" ;;
    *) echo "unknown step $step (gemm, train, js)" >&2; exit 2 ;;
  esac
done
echo "results in $out"
