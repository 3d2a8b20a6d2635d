#!/usr/bin/env bash
# The main job, runnable on a fresh machine: set up, then run zkir on shipped examples.
# Until the end-to-end issue lands this runs the compiler's passes on example IR
# (no proof yet); it grows into compile -> setup -> prove -> verify.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate

echo "== ml level: ml-canonicalize on examples/ir/mlp_shapes.mlir"
zkir-opt examples/ir/mlp_shapes.mlir --pass-pipeline='builtin.module(ml-canonicalize)'

echo "== plonk level: plonk-verify-layout on examples/ir/mul_relu_circuit.mlir"
zkir-opt examples/ir/mul_relu_circuit.mlir -p plonk-verify-layout > /dev/null
echo "layout ok: no two placements overlap"
