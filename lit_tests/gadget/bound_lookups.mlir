// gadget-bound-lookups: saturating functions read a clamped input through a table
// of exactly their clamp range; ReLU becomes a comparison; GELU relu + correction;
// a calibrated range (input_range) sizes the table and drops the clamp inside it.
// RUN: zkir-opt %s -p 'gadget-bound-lookups' | filecheck %s

func.func @main(%x: tensor<1x4x!gadget.felt>) -> (tensor<1x4x!gadget.felt>, tensor<1x4x!gadget.felt>, tensor<1x4x!gadget.felt>, tensor<1x4x!gadget.felt>) {
  %t = gadget.lookup "tanh" %x {table_bits = 16 : i64, in_scale = 8 : i64, out_scale = 8 : i64} : tensor<1x4x!gadget.felt> -> tensor<1x4x!gadget.felt>
  %r = gadget.lookup "relu" %x {table_bits = 16 : i64, in_scale = 8 : i64, out_scale = 8 : i64} : tensor<1x4x!gadget.felt> -> tensor<1x4x!gadget.felt>
  %g = gadget.lookup "gelu" %x {table_bits = 16 : i64, in_scale = 8 : i64, out_scale = 8 : i64} : tensor<1x4x!gadget.felt> -> tensor<1x4x!gadget.felt>
  %s = gadget.lookup "sigmoid" %x {table_bits = 16 : i64, in_scale = 8 : i64, out_scale = 8 : i64, input_range = array<i64: -100, 200>} : tensor<1x4x!gadget.felt> -> tensor<1x4x!gadget.felt>
  func.return %t, %r, %g, %s : tensor<1x4x!gadget.felt>, tensor<1x4x!gadget.felt>, tensor<1x4x!gadget.felt>, tensor<1x4x!gadget.felt>
}

// CHECK:      %t_clamp_lo = gadget.constant {value = dense<-888> : tensor<1xi64>, visibility = "fixed"}
// CHECK:      gadget.maximum %x, %t_clamp_lo_broadcast
// CHECK:      %t_clamp_hi = gadget.constant {value = dense<888> : tensor<1xi64>, visibility = "fixed"}
// CHECK:      %t = gadget.lookup "tanh" %t_clamped {table_bits = 11 : i64, in_scale = 8 : i64, out_scale = 8 : i64, table_range = array<i64: -888, 888>}
// CHECK-NOT:  gadget.lookup "relu"
// CHECK:      %r = gadget.maximum %x, %r_zero
// CHECK:      %g_correction = gadget.lookup "gelu_correction" %g_clamped {{.*}}table_range = array<i64: -{{[0-9]+}}, {{[0-9]+}}>}
// CHECK:      %g = gadget.add %g_relu, %g_correction
// CHECK-NOT:  s_clamp
// CHECK:      %s = gadget.lookup "sigmoid" %x {table_bits = 10 : i64, in_scale = 8 : i64, out_scale = 8 : i64, table_range = array<i64: -200, 300>}
