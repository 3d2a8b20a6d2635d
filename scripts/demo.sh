#!/usr/bin/env bash
# The main job on a fresh machine: set up, then prove and verify the shipped digits
# MLP (ONNX) end to end: compile -> setup (test SRS) -> prove -> verify.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate

model=examples/digits_mlp/model.onnx
input=examples/digits_mlp/input.json
build=build/digits_mlp

zkir compile "$model" -o "$build" --input-shape 1,64
zkir report "$build"
zkir setup "$build"
zkir prove "$build" --input "$input" -o "$build/proof.bin"
zkir verify "$build" "$build/proof.bin"
