// RUN: zkir-opt %s -p plonk-verify-layout | filecheck %s
// Placements that touch but do not overlap pass, including across columns.

plonk.circuit @c k = 5 {
  plonk.column @a0 "advice"
  plonk.column @a1 "advice"
  plonk.place @p0 {gadget = "dot", row = 0 : i64, rows = 10 : i64, columns = [@a0]}
  plonk.place @p1 {gadget = "dot", row = 0 : i64, rows = 26 : i64, columns = [@a1]}
  plonk.place @p2 {gadget = "sum", row = 10 : i64, rows = 16 : i64, columns = [@a0]}
}

// CHECK: plonk.place @p2
