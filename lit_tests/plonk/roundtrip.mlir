// RUN: zkir-opt %s | zkir-opt | filecheck %s
// RUN: zkir-opt %s -p plonk-verify-layout | filecheck %s

plonk.circuit @mlp k = 6 {
  plonk.column @a0 "advice" equality
  plonk.column @a1 "advice" equality
  plonk.column @a2 "advice" equality
  plonk.column @q_mul "fixed"
  plonk.column @q_relu "fixed"
  plonk.column @t_tag "fixed"
  plonk.column @t_in "fixed"
  plonk.column @t_out "fixed"
  plonk.column @out "instance" equality
  plonk.gate "mul" {
    %q = plonk.query @q_mul[0]
    %a = plonk.query @a0[0]
    %b = plonk.query @a1[0]
    %c = plonk.query @a2[1]
    %m = plonk.mul %a, %b
    %d = plonk.sub %m, %c
    %e = plonk.mul %q, %d
    %k = plonk.const -2
    %f = plonk.add %d, %k
    %g = plonk.mul %q, %f
    plonk.constrain %e, %g
  }
  plonk.lookup_table @relu4 {fn = "relu", bits = 4 : i64, columns = [@t_tag, @t_in, @t_out]}
  plonk.lookup "relu" @relu4 {
    %q = plonk.query @q_relu[0]
    %x = plonk.query @a0[0]
    %y = plonk.query @a1[0]
    %qx = plonk.mul %q, %x
    %qy = plonk.mul %q, %y
    plonk.constrain %q, %qx, %qy
  }
  plonk.place @mul0 {gadget = "mul", row = 0 : i64, rows = 8 : i64, columns = [@a0, @a1, @a2], shapes = {lhs = array<i64: 8>, rhs = array<i64: 8>, out = array<i64: 8>}, selectors = {q = @q_mul}}
  plonk.place @relu0 {gadget = "lookup", row = 8 : i64, rows = 8 : i64, columns = [@a0, @a1], shapes = {input = array<i64: 8>, out = array<i64: 8>}, params = {fn = "relu", table_bits = 4 : i64}, selectors = {q = @q_relu}}
  plonk.place @io {gadget = "output", row = 0 : i64, rows = 8 : i64, columns = [@out], shapes = {in = array<i64: 2, 4>}}
  plonk.copy @mul0["out"] to @relu0["input"]
  plonk.copy @relu0["out"] to @io["in"] {map = dense<[7, 6, 5, 4, 3, 2, 1, -1]> : tensor<8xi64>}
}

// CHECK:      plonk.circuit @mlp k = 6 {
// CHECK-NEXT:   plonk.column @a0 "advice" equality
// CHECK:        plonk.column @q_mul "fixed"{{$}}
// CHECK:        plonk.column @out "instance" equality
// CHECK-NEXT:   plonk.gate "mul" {
// CHECK-NEXT:     %q = plonk.query @q_mul[0]
// CHECK:          %c = plonk.query @a2[1]
// CHECK:          %k = plonk.const -2
// CHECK:          plonk.constrain %e, %g
// CHECK-NEXT:   }
// CHECK-NEXT:   plonk.lookup_table @relu4 {fn = "relu", bits = 4 : i64, columns = [@t_tag, @t_in, @t_out]}
// CHECK-NEXT:   plonk.lookup "relu" @relu4 {
// CHECK:          plonk.constrain %q_1, %qx, %qy
// CHECK:        plonk.place @mul0 {gadget = "mul", row = 0 : i64, rows = 8 : i64, columns = [@a0, @a1, @a2], shapes = {lhs = array<i64: 8>, rhs = array<i64: 8>, out = array<i64: 8>}, selectors = {q = @q_mul}}
// CHECK:        plonk.place @relu0 {{.*}}params = {fn = "relu", table_bits = 4 : i64}
// CHECK:        plonk.copy @mul0["out"] to @relu0["input"]
// CHECK-NEXT:   plonk.copy @relu0["out"] to @io["in"] {map = dense<[7, 6, 5, 4, 3, 2, 1, -1]> : tensor<8xi64>}
