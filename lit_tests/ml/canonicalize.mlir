// RUN: zkir-opt %s -p ml-canonicalize | filecheck %s
// RUN: zkir-opt %s --pass-pipeline='builtin.module(ml-canonicalize)' | filecheck %s

// CHECK-LABEL: func.func @reshape_chain
// CHECK-NEXT:    %{{.*}} = ml.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
// CHECK-NEXT:    func.return
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> tensor<24xf32> {
  %a = ml.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %b = ml.reshape %a : tensor<6x4xf32> -> tensor<24xf32>
  func.return %b : tensor<24xf32>
}

// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-NEXT:    func.return %x : tensor<2x3xf32>
func.func @reshape_round_trip(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = ml.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %b = ml.reshape %a : tensor<6xf32> -> tensor<2x3xf32>
  func.return %b : tensor<2x3xf32>
}

// Two transposes compose: result[i] = x[inner[outer[i]]].
// CHECK-LABEL: func.func @transpose_chain
// CHECK-NEXT:    %{{.*}} = ml.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
// CHECK-NEXT:    func.return
func.func @transpose_chain(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %a = ml.transpose %x {perm = array<i64: 1, 2, 0>} : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %b = ml.transpose %a {perm = array<i64: 1, 2, 0>} : tensor<3x4x2xf32> -> tensor<4x2x3xf32>
  func.return %b : tensor<4x2x3xf32>
}

// CHECK-LABEL: func.func @transpose_inverse
// CHECK-NEXT:    func.return %x : tensor<1x3x8x8xf32>
func.func @transpose_inverse(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %nhwc = ml.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x8x8xf32> -> tensor<1x8x8x3xf32>
  %nchw = ml.transpose %nhwc {perm = array<i64: 0, 3, 1, 2>} : tensor<1x8x8x3xf32> -> tensor<1x3x8x8xf32>
  func.return %nchw : tensor<1x3x8x8xf32>
}

// A reshape whose input is used elsewhere too is still folded; the other use stays.
// CHECK-LABEL: func.func @shared_input
// CHECK-NEXT:    %a = ml.reshape %x : tensor<4x4xf32> -> tensor<2x8xf32>
// CHECK-NEXT:    %{{.*}} = ml.reshape %x : tensor<4x4xf32> -> tensor<16xf32>
// CHECK-NEXT:    %c = ml.relu %a
func.func @shared_input(%x: tensor<4x4xf32>) -> (tensor<16xf32>, tensor<2x8xf32>) {
  %a = ml.reshape %x : tensor<4x4xf32> -> tensor<2x8xf32>
  %b = ml.reshape %a : tensor<2x8xf32> -> tensor<16xf32>
  %c = ml.relu %a : tensor<2x8xf32> -> tensor<2x8xf32>
  func.return %b, %c : tensor<16xf32>, tensor<2x8xf32>
}
