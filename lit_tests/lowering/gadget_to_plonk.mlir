// RUN: zkir-opt %s -p 'convert-gadget-to-plonk{columns=9 range-bits=4},plonk-verify-layout' | filecheck %s

func.func @main(%x: tensor<1x4x!gadget.felt>) -> tensor<1x2x!gadget.felt> {
  %w = gadget.constant {value = dense<[[1, 2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi64>} : tensor<4x2x!gadget.felt>
  %y = gadget.dot %x, %w : (tensor<1x4x!gadget.felt>, tensor<4x2x!gadget.felt>) -> tensor<1x2x!gadget.felt>
  %r = gadget.rescale %y {divisor = 16 : i64, relu} : tensor<1x2x!gadget.felt> -> tensor<1x2x!gadget.felt>
  func.return %r : tensor<1x2x!gadget.felt>
}

// CHECK:      plonk.circuit @main k = 5 {
// CHECK-COUNT-9: plonk.column @a.{{[0-9]}} "advice" equality
// CHECK:        plonk.column @w.1 "advice" equality
// CHECK:        plonk.column @instance.0 "instance" equality
// CHECK:        plonk.column @zero.0 "fixed" equality
// CHECK:        plonk.column @dot.q "fixed"
// CHECK-NEXT:   plonk.column @dot.chain "fixed"
// CHECK:        plonk.lookup_table @range4 {fn = "range", bits = 4 : i64, columns = [@range4.tag, @range4.in]}
// CHECK:        plonk.gate "dot" {
// CHECK:          %{{.*}} = plonk.query @a.8[-1]
// CHECK:        plonk.gate "rescale_relu_d16_t4" {
// CHECK:        plonk.lookup "range4_0" @range4 {
// CHECK:        plonk.place @x {gadget = "input", row = 0 : i64, rows = 4 : i64, columns = [@instance.0], shapes = {out = array<i64: 1, 4>}}
// CHECK-NEXT:   plonk.place @y {gadget = "dot", row = 0 : i64, rows = 2 : i64, {{.*}}shapes = {lhs = array<i64: 1, 4>, rhs = array<i64: 4, 2>, out = array<i64: 1, 2>, zeros = array<i64: 0>}, selectors = {q = @dot.q, chain = @dot.chain}}
// CHECK-NEXT:   plonk.place @r {gadget = "rescale", row = 2 : i64, rows = 2 : i64, {{.*}}params = {divisor = 16 : i64, table_bits = 4 : i64, relu = 1 : i64}
// CHECK:        plonk.place @output0 {gadget = "output", row = 4 : i64, rows = 2 : i64, columns = [@instance.0], shapes = {in = array<i64: 1, 2>}}
// Private weights get a band of their own, as narrow as keeps it no taller than the gadgets.
// CHECK-NEXT:   plonk.place @w {gadget = "constant", row = 0 : i64, rows = 4 : i64, columns = [@w.0, @w.1], shapes = {out = array<i64: 4, 2>}, params = {value = dense<{{.*}}> : tensor<4x2xi64>, visibility = "private"}}
// CHECK-NEXT:   plonk.copy @x["out"] to @y["lhs"]
// CHECK-NEXT:   plonk.copy @w["out"] to @y["rhs"]
// CHECK-NEXT:   plonk.copy @y["out"] to @r["input"]
// CHECK-NEXT:   plonk.copy @zero_cell["out"] to @r["bias"]
// CHECK-NEXT:   plonk.copy @r["out"] to @output0["in"]
