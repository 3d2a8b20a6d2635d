// RUN: zkir-opt %s --split-input-file --verify-diagnostics | filecheck %s
// Each verifier names the op and the reason.

func.func @matmul_dims(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  %c = ml.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  func.return
}
// CHECK: ml.matmul: contraction dimensions differ (3 vs 4)

// -----

func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  %c = ml.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: ml.add: shapes [2, 3] and [4] do not broadcast

// -----

func.func @add_scales(%a: tensor<2x!ml.fixed<16, 8>>, %b: tensor<2x!ml.fixed<16, 4>>) {
  %c = ml.add %a, %b : (tensor<2x!ml.fixed<16, 8>>, tensor<2x!ml.fixed<16, 4>>) -> tensor<2x!ml.fixed<16, 8>>
  func.return
}
// CHECK: ml.add: operand element types differ (!ml.fixed<16, 8> vs !ml.fixed<16, 4>); fixed-point operands must share a scale

// -----

func.func @mul_scale(%a: tensor<2x!ml.fixed<16, 8>>, %b: tensor<2x!ml.fixed<16, 8>>) {
  %c = ml.mul %a, %b : (tensor<2x!ml.fixed<16, 8>>, tensor<2x!ml.fixed<16, 8>>) -> tensor<2x!ml.fixed<16, 8>>
  func.return
}
// CHECK: ml.mul: result element type must be !ml.fixed with scale 16 (the sum of the operand scales)

// -----

func.func @element_type(%a: tensor<2xi32>) {
  %c = ml.relu %a : tensor<2xi32> -> tensor<2xi32>
  func.return
}
// CHECK: ml.relu: input must hold floats or !ml.fixed values, got i32

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) {
  %c = ml.reshape %a : tensor<2x3xf32> -> tensor<5xf32>
  func.return
}
// CHECK: ml.reshape: cannot reshape [2, 3] (6 elements) to [5] (5 elements)

// -----

func.func @transpose_perm(%a: tensor<2x3xf32>) {
  %c = ml.transpose %a {perm = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>
  func.return
}
// CHECK: ml.transpose: perm [0, 0] is not a permutation of the 2 input dimensions

// -----

func.func @conv_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  %c = ml.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  func.return
}
// CHECK: ml.conv2d: result shape [1, 4, 8, 8] does not match the expected [1, 4, 6, 6]

// -----

func.func @conv_group(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  %c = ml.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  func.return
}
// CHECK: ml.conv2d: 3 input channels, 4 output channels and 2 weight input channels do not fit group=1

// -----

func.func @rescale_up(%a: tensor<2x!ml.fixed<16, 4>>) {
  %c = ml.rescale %a : tensor<2x!ml.fixed<16, 4>> -> tensor<2x!ml.fixed<16, 8>>
  func.return
}
// CHECK: ml.rescale: result scale 8 exceeds the input scale 4

// -----

func.func @constant_shape() {
  %c = ml.constant {value = dense<[1.0, 2.0]> : tensor<2xf32>} : tensor<3xf32>
  func.return
}
// CHECK: ml.constant: value shape [2] does not match the expected [3]

// -----

func.func @fixed_params(%a: tensor<2x!ml.fixed<80, 8>>) {
  func.return
}
// CHECK: ml.fixed: bits must be in [1, 64], got 80
