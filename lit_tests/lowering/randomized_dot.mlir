// RUN: zkir-opt %s -p 'gadget-randomize-products{columns=4},convert-gadget-to-plonk{columns=4 range-bits=4},plonk-verify-layout' | filecheck %s
// RUN: zkir-opt %s -p 'gadget-randomize-products{columns=4},convert-gadget-to-plonk{columns=4 range-bits=4}' | zkir-opt | filecheck %s --check-prefix=ROUNDTRIP

// A dense layer over a sequence: 8 x 6 times 6 x 5 takes fewer rows checked at a
// random point than multiply-add by multiply-add, so it becomes gadget.randomized_dot.
func.func @main(%x: tensor<8x6x!gadget.felt>, %w: tensor<6x5x!gadget.felt>) -> tensor<8x5x!gadget.felt> {
  %y = gadget.dot %x, %w : (tensor<8x6x!gadget.felt>, tensor<6x5x!gadget.felt>) -> tensor<8x5x!gadget.felt>
  func.return %y : tensor<8x5x!gadget.felt>
}

// CHECK:      plonk.circuit @main
// CHECK-COUNT-4: plonk.column @a.{{[0-3]}} "advice" equality
// CHECK-NEXT:   plonk.column @c.0 "advice" equality phase 1
// CHECK-NEXT:   plonk.column @c.1 "advice" equality phase 1
// CHECK-NEXT:   plonk.column @c.2 "advice" equality phase 1
// CHECK:        plonk.gate "randomized_dot_m5" {
// CHECK-DAG:      plonk.challenge 0 power 4
// CHECK-DAG:      plonk.challenge 0 power 20
// CHECK:        plonk.place @y {gadget = "randomized_dot"{{.*}}columns = [@a.0, @a.1, @a.2, @a.3, @c.0, @c.1, @c.2]{{.*}}params = {width = 5 : i64, late_columns = 3 : i64}
// CHECK:        plonk.copy @y["sa"] to @y["sa_uses"]
// CHECK-NEXT:   plonk.copy @y["rb"] to @y["rb_uses"]
// CHECK-NEXT:   plonk.copy @y["uot"] to @y["total"]

// ROUNDTRIP: plonk.column @c.0 "advice" equality phase 1
// ROUNDTRIP: plonk.challenge 0 power 20
