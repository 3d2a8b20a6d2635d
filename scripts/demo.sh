#!/usr/bin/env bash
# The main job on a fresh machine: set up, then prove and verify the shipped digits
# MLP (ONNX) end to end: compile -> keys from the Ethereum KZG ceremony's SRS (so
# only a collusion of all its contributors could forge) -> prove -> verify (and
# check that the proof is about our input).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate

model=examples/digits_mlp/model.onnx
input=examples/digits_mlp/input.json
build=build/digits_mlp
srs=build/ethereum_k12.srs

zkir compile "$model" -o "$build" --input-shape 1,64
zkir report "$build"
# the ceremony's trusted_setup.txt comes with the ckzg package's source
# distribution (fetched with pip once, then cached in ~/.cache/zkir)
[ -f "$srs" ] || zkir srs import-ethereum -o "$srs"
zkir setup "$build" --srs "$srs"
zkir prove "$build" --input "$input" -o "$build/proof.bin"
zkir verify "$build" "$build/proof.bin" --input "$input"
