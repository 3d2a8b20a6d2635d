// RUN: not zkir-opt %s -p plonk-verify-layout 2>&1 | filecheck %s
// Two placements claiming the same cells are rejected with both names and the column.

plonk.circuit @c k = 5 {
  plonk.column @a0 "advice"
  plonk.column @a1 "advice"
  plonk.place @first {gadget = "dot", row = 0 : i64, rows = 10 : i64, columns = [@a0, @a1]}
  plonk.place @ok {gadget = "dot", row = 10 : i64, rows = 4 : i64, columns = [@a0]}
  plonk.place @second {gadget = "sum", row = 12 : i64, rows = 4 : i64, columns = [@a1, @a0]}
}

// CHECK: zkir-opt: error: {{.*}}verify_layout_overlap.mlir: plonk-verify-layout: placements @ok (rows 10..13) and @second (rows 12..15) overlap in column @a0
