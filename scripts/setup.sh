#!/usr/bin/env bash
# Create .venv (if missing) and install zkir with its test and TensorFlow extras.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
python -m pip install -q -e ".[test,tf]" 2>&1 | grep -v "^WARNING: Location" || true
python -c "import zkir, xdsl, numba, py_arkworks_bls12381, pymcl, onnx, importlinter" || {
  echo "zkir setup: the install failed (see pip's output above)" >&2
  exit 1
}
echo "zkir setup: ready in .venv ($(python --version))"
