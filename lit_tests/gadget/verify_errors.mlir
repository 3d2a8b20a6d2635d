// RUN: zkir-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @dot_dims(%a: tensor<2x3x!gadget.felt>, %b: tensor<4x5x!gadget.felt>) {
  %c = gadget.dot %a, %b : (tensor<2x3x!gadget.felt>, tensor<4x5x!gadget.felt>) -> tensor<2x5x!gadget.felt>
  func.return
}
// CHECK: gadget.dot: contraction dimensions differ (3 vs 4)

// -----

func.func @dot_bias(%a: tensor<2x3x!gadget.felt>, %b: tensor<3x5x!gadget.felt>, %c: tensor<3x!gadget.felt>) {
  %d = gadget.dot %a, %b, %c : (tensor<2x3x!gadget.felt>, tensor<3x5x!gadget.felt>, tensor<3x!gadget.felt>) -> tensor<2x5x!gadget.felt>
  func.return
}
// CHECK: gadget.dot: shapes [2, 5] and [3] do not broadcast

// -----

func.func @float_operand(%a: tensor<2xf32>) {
  %c = gadget.add %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return
}
// CHECK: gadget.add: lhs must be a tensor of !gadget.felt, got tensor<2xf32>

// -----

func.func @divisor(%a: tensor<2x!gadget.felt>) {
  %c = gadget.rescale %a {divisor = 0 : i64} : tensor<2x!gadget.felt> -> tensor<2x!gadget.felt>
  func.return
}
// CHECK: gadget.rescale: divisor must be positive, got 0

// -----

func.func @unknown_fn(%a: tensor<2x!gadget.felt>) {
  %c = gadget.lookup "frobnicate" %a {table_bits = 8 : i64} : tensor<2x!gadget.felt> -> tensor<2x!gadget.felt>
  func.return
}
// CHECK: gadget.lookup: unknown nonlinearity 'frobnicate'

// -----

func.func @table_bits(%a: tensor<2x!gadget.felt>) {
  %c = gadget.lookup "relu" %a {table_bits = 40 : i64} : tensor<2x!gadget.felt> -> tensor<2x!gadget.felt>
  func.return
}
// CHECK: gadget.lookup: table_bits must be in [1, 24], got 40

// -----

func.func @sum_axes(%a: tensor<2x3x!gadget.felt>) {
  %c = gadget.sum %a {axes = array<i64: 2>} : tensor<2x3x!gadget.felt> -> tensor<2x!gadget.felt>
  func.return
}
// CHECK: gadget.sum: axis 2 out of range for rank 2

// -----

func.func @max_shape(%a: tensor<2x3x!gadget.felt>) {
  %c = gadget.reduce_max %a {axes = array<i64: 1>} : tensor<2x3x!gadget.felt> -> tensor<3x!gadget.felt>
  func.return
}
// CHECK: gadget.reduce_max: result shape [3] does not match the expected [2]

// -----

func.func @visibility() {
  %c = gadget.constant {value = dense<[1]> : tensor<1xi64>, visibility = "secret"} : tensor<1x!gadget.felt>
  func.return
}
// CHECK: gadget.constant: visibility must be one of private, public, fixed, got 'secret'
