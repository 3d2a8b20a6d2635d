// Bad input gives one line on stderr naming the file (and line), and exit code 1.
// RUN: not zkir-opt %s 2>&1 | filecheck %s --check-prefix=PARSE
// RUN: not zkir-opt %s -p no-such-pass 2>&1 | filecheck %s --check-prefix=PASS
// RUN: not zkir-opt %s -p 'ml-canonicalize{bogus=1}' 2>&1 | filecheck %s --check-prefix=OPTION
// RUN: not zkir-opt %S/does-not-exist.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// RUN: zkir-opt --help | filecheck %s --check-prefix=HELP

func.func @f(%x: tensor<2xf32>) {
  %y = ml.frobnicate %x : tensor<2xf32>
  func.return
}

// PARSE: zkir-opt: error: {{.*}}bad_input.mlir:9:{{[0-9]+}}: Operation ml.frobnicate is not registered
// PARSE-NOT: Traceback
// PASS: zkir-opt: error: bad pass pipeline 'no-such-pass': Unrecognized passes: ['no-such-pass']; known passes: {{.*}}ml-canonicalize
// OPTION: zkir-opt: error: bad pass pipeline 'ml-canonicalize{bogus=1}': Provided arguments ["bogus"] not found
// MISSING: zkir-opt: error: {{.*}}does-not-exist.mlir: no such file
// HELP: zkir passes:
// HELP-DAG: ml-canonicalize
// HELP-DAG: gadget-canonicalize
// HELP-DAG: plonk-verify-layout
