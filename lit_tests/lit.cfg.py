# lit configuration for zkir's FileCheck tests: `lit lit_tests` (pytest runs it too).
import os

import lit.formats

config.name = "zkir"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.excludes = ["lit.cfg.py", "Inputs"]
# zkir-opt and filecheck come from the environment zkir is installed in.
config.environment["PATH"] = os.environ.get("PATH", "")
