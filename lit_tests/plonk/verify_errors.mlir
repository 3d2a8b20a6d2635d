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
  plonk.column @s "fixed"
  plonk.column @t "fixed"
  plonk.column @u "fixed"
  plonk.lookup_table @relu {fn = "relu", bits = 4 : i64, columns = [@s, @t, @u]}
  plonk.lookup "relu" @relu {
    %x = plonk.query @a[0]
    plonk.constrain %x
  }
}
// CHECK: plonk.lookup 'relu': looks up 1 expression(s) in @relu, which has 3 column(s)

// -----

plonk.circuit @c k = 5 {
  plonk.column @t "fixed"
  plonk.column @u "fixed"
  plonk.lookup_table @relu {fn = "relu", bits = 4 : i64, columns = [@t, @u]}
}
// CHECK: plonk.lookup_table: a 'relu' table has 3 columns (tag first), got 2

// -----

plonk.circuit @c k = 5 {
  plonk.column @a "advice"
  plonk.column @t "fixed"
  plonk.column @u "fixed"
  plonk.lookup_table @relu {fn = "relu", bits = 4 : i64, columns = [@t, @a, @u]}
}
// CHECK: plonk.lookup_table: table column @a must be fixed

// -----

plonk.circuit @c k = 4 {
  plonk.column @t "fixed"
  plonk.column @v "fixed"
  plonk.lookup_table @r {fn = "range", bits = 8 : i64, columns = [@t, @v]}
}
// CHECK: plonk.lookup_table: a table of 256 rows needs 257 usable rows (one stays all zero), the circuit has 10

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
  plonk.place @p {gadget = "add", row = 0 : i64, rows = 4 : i64, columns = [@a], shapes = {out = array<i64: 4>}}
  plonk.place @q {gadget = "add", row = 0 : i64, rows = 4 : i64, columns = [@b], shapes = {lhs = array<i64: 4>}}
  plonk.copy @p["out"] to @q["lhs"]
}
// CHECK: plonk.copy: column @b of placement @q is not equality-enabled

// -----

plonk.circuit @c k = 5 {
  plonk.column @a "advice" equality
  plonk.place @p {gadget = "add", row = 0 : i64, rows = 4 : i64, columns = [@a], shapes = {out = array<i64: 4>}}
  plonk.place @q {gadget = "add", row = 4 : i64, rows = 4 : i64, columns = [@a], shapes = {lhs = array<i64: 6>}}
  plonk.copy @p["out"] to @q["rhs"]
}
// CHECK: plonk.copy: placement @q has no port 'rhs' (ports: lhs)

// -----

plonk.circuit @c k = 5 {
  plonk.column @a "advice" equality
  plonk.place @p {gadget = "add", row = 0 : i64, rows = 4 : i64, columns = [@a], shapes = {out = array<i64: 4>}}
  plonk.place @q {gadget = "add", row = 4 : i64, rows = 4 : i64, columns = [@a], shapes = {lhs = array<i64: 6>}}
  plonk.copy @p["out"] to @q["lhs"]
}
// CHECK: plonk.copy: without a map, port 'out' (4 elements) must match 'lhs' (6) or have one element

// -----

plonk.circuit @c k = 5 {
  plonk.column @a "advice" equality
  plonk.place @p {gadget = "add", row = 0 : i64, rows = 4 : i64, columns = [@a], shapes = {out = array<i64: 4>}}
  plonk.place @q {gadget = "add", row = 4 : i64, rows = 4 : i64, columns = [@a], shapes = {lhs = array<i64: 3>}}
  plonk.copy @p["out"] to @q["lhs"] {map = dense<[0, 4, -1]> : tensor<3xi64>}
}
// CHECK: plonk.copy: map entries must be in [-1, 4)

// -----

plonk.circuit @c k = 5 {
  plonk.column @a "advice" equality
  plonk.column @s "advice"
  plonk.place @p {gadget = "add", row = 0 : i64, rows = 4 : i64, columns = [@a], selectors = {q = @s}}
}
// CHECK: plonk.place @p: selector 'q' column @s must be fixed

// -----

plonk.circuit @c k = 4 {
  plonk.column @a "advice"
  plonk.gate "g" {
    %x = plonk.query @a[0]
  }
}
// CHECK: Operation plonk.query terminates block in single-block region but is not a terminator
