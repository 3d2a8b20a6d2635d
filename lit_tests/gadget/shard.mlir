// RUN: zkir-opt %s -p 'gadget-shard{shards=3}' | filecheck %s
// RUN: zkir-opt %s -p 'gadget-shard{shards=2},convert-gadget-to-plonk{columns=4 k=6}' | filecheck %s --check-prefix=PLONK
// RUN: zkir-opt %s -p 'gadget-shard{shards=1}' | filecheck %s --check-prefix=ONE

// Three gadget ops cut after each: the model input %x, read by the last op, passes
// through the middle shard; every value crossing a cut is a link (gadget.link) from
// the shard before it to the shard after it, never further.
func.func @main(%x: tensor<4x!gadget.felt>, %y: tensor<4x!gadget.felt>) -> tensor<4x!gadget.felt> {
  %a = gadget.add %x, %y : (tensor<4x!gadget.felt>, tensor<4x!gadget.felt>) -> tensor<4x!gadget.felt>
  %b = gadget.mul %a, %a : (tensor<4x!gadget.felt>, tensor<4x!gadget.felt>) -> tensor<4x!gadget.felt>
  %c = gadget.add %b, %x : (tensor<4x!gadget.felt>, tensor<4x!gadget.felt>) -> tensor<4x!gadget.felt>
  func.return %c : tensor<4x!gadget.felt>
}

// CHECK:      func.func @shard0(%x: tensor<4x!gadget.felt>, %y: tensor<4x!gadget.felt>) -> (tensor<4x!gadget.felt> {gadget.link = "c0_0"}, tensor<4x!gadget.felt> {gadget.link = "c0_1"})
// CHECK-NEXT:   %a = gadget.add %x, %y
// CHECK-NEXT:   func.return %x, %a
// CHECK:      func.func @shard1(%x: tensor<4x!gadget.felt> {gadget.link = "c0_0"}, %a: tensor<4x!gadget.felt> {gadget.link = "c0_1"}) -> (tensor<4x!gadget.felt> {gadget.link = "c1_0"}, tensor<4x!gadget.felt> {gadget.link = "c1_1"})
// CHECK-NEXT:   %b = gadget.mul %a, %a
// CHECK-NEXT:   func.return %x, %b
// CHECK:      func.func @shard2(%x: tensor<4x!gadget.felt> {gadget.link = "c1_0"}, %b: tensor<4x!gadget.felt> {gadget.link = "c1_1"}) -> tensor<4x!gadget.felt>
// CHECK-NEXT:   %c = gadget.add %b, %x
// CHECK-NEXT:   func.return %c

// Each link alone in its columns, at the same rows in both circuits: the producer
// copies its cells in, the consumer copies them out.
// PLONK:      plonk.circuit @shard0 k = 6
// PLONK:        plonk.column @link_c0_0.0 "advice" equality
// PLONK-NEXT:   plonk.column @link_c0_1.0 "advice" equality
// PLONK:        plonk.place @link_c0_1 {gadget = "output", row = 0 : i64, rows = 4 : i64, columns = [@link_c0_1.0], shapes = {in = array<i64: 4>}, params = {link = "c0_1"}}
// PLONK:        plonk.copy @a["out"] to @link_c0_1["in"]
// PLONK:      plonk.circuit @shard1 k = 6
// PLONK:        plonk.column @link_c0_0.0 "advice" equality
// PLONK-NEXT:   plonk.column @link_c0_1.0 "advice" equality
// PLONK:        plonk.place @link_c0_1 {gadget = "input", row = 0 : i64, rows = 4 : i64, columns = [@link_c0_1.0], shapes = {out = array<i64: 4>}, params = {link = "c0_1"}}
// PLONK:        plonk.copy @link_c0_1["out"] to @b["lhs"]

// ONE:     func.func @main
// ONE-NOT: gadget.link
