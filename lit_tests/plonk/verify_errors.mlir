// RUN: zkir-opt %s --split-input-file --verify-diagnostics | filecheck %s

plonk.circuit @c k = 4 {
  plonk.column @a "advice"
  plonk.gate "g" {
    %x = plonk.query @a[12]
    plonk.constrain %x
  }
}
// CHECK: plonk.query: rotation 12 of @a is out of range for 10 usable rows

// -----

plonk.circuit @c k = 4 {
  plonk.column @a "advice"
  plonk.gate "g" {
    %x = plonk.query @nope[0]
    plonk.constrain %x
  }
}
// CHECK: plonk.query: @nope is not a column of the circuit

// -----

plonk.circuit @c k = 4 {
  plonk.column @a "witness"
}
// CHECK: plonk.column: column @a has kind 'witness', expected one of advice, fixed, instance

// -----

plonk.circuit @c k = 40 {
  plonk.column @a "advice"
}
// CHECK: plonk.circuit: k must be in [1, 28], got 40

// -----

plonk.circuit @c k = 5 {
  plonk.column @a "advice"
  plonk.column @t "fixed"
  plonk.column @u "fixed"
  plonk.lookup_table @relu {fn = "relu", bits = 4 : i64, columns = [@t, @u]}
  plonk.lookup "relu" @relu {
    %x = plonk.query @a[0]
    plonk.constrain %x
  }
}
// CHECK: plonk.lookup 'relu': looks up 1 expression(s) in @relu, which has 2 column(s)

// -----

plonk.circuit @c k = 5 {
  plonk.column @a "advice"
  plonk.column @u "fixed"
  plonk.lookup_table @relu {fn = "relu", bits = 4 : i64, columns = [@a, @u]}
}
// CHECK: plonk.lookup_table: table column @a must be fixed

// -----

plonk.circuit @c k = 4 {
  plonk.column @t "fixed"
  plonk.lookup_table @r {fn = "range", bits = 8 : i64, columns = [@t]}
}
// CHECK: plonk.lookup_table: a 8-bit table does not fit in 10 usable rows

// -----

plonk.circuit @c k = 4 {
  plonk.column @a "advice"
  plonk.place @p {gadget = "dot", row = 4 : i64, rows = 8 : i64, columns = [@a]}
}
// CHECK: plonk.place @p: rows [4, 12) exceed the 10 usable rows

// -----

plonk.circuit @c k = 5 {
  plonk.column @a "advice" equality
  plonk.column @b "advice"
  plonk.place @p {gadget = "dot", row = 0 : i64, rows = 4 : i64, columns = [@a]}
  plonk.place @q {gadget = "dot", row = 0 : i64, rows = 4 : i64, columns = [@b]}
  plonk.copy {src = @p, src_column = @a, src_row = 0 : i64, dst = @q, dst_column = @b, dst_row = 0 : i64, count = 4 : i64}
}
// CHECK: plonk.copy: column @b is not equality-enabled

// -----

plonk.circuit @c k = 5 {
  plonk.column @a "advice" equality
  plonk.place @p {gadget = "dot", row = 0 : i64, rows = 4 : i64, columns = [@a]}
  plonk.place @q {gadget = "dot", row = 4 : i64, rows = 4 : i64, columns = [@a]}
  plonk.copy {src = @p, src_column = @a, src_row = 2 : i64, dst = @q, dst_column = @a, dst_row = 0 : i64, count = 4 : i64}
}
// CHECK: plonk.copy: rows [2, 6) fall outside placement @p of 4 rows

// -----

plonk.circuit @c k = 4 {
  plonk.column @a "advice"
  plonk.gate "g" {
    %x = plonk.query @a[0]
  }
}
// CHECK: Operation plonk.query terminates block in single-block region but is not a terminator
