// RUN: zkir-opt %s | zkir-opt | filecheck %s
// Every ml op prints in a form that parses back to the same IR.

func.func @float_ops(%x: tensor<1x4xf32>, %img: tensor<1x3x8x8xf32>) -> tensor<1x2xf32> {
  %w = ml.constant {value = dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>} : tensor<4x2xf32>
  %y = ml.matmul %x, %w : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  %b = ml.constant {value = dense<0.5> : tensor<2xf32>} : tensor<2xf32>
  %z = ml.add %y, %b : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %d = ml.sub %z, %y : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %m = ml.mul %d, %z : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %r = ml.relu %m : tensor<1x2xf32> -> tensor<1x2xf32>
  %s = ml.reshape %r : tensor<1x2xf32> -> tensor<2x1xf32>
  %t = ml.transpose %s {perm = array<i64: 1, 0>} : tensor<2x1xf32> -> tensor<1x2xf32>
  %k = ml.constant {value = dense<0.1> : tensor<3x1x3x3xf32>} : tensor<3x1x3x3xf32>
  %c = ml.conv2d %img, %k {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 3 : i64} : (tensor<1x3x8x8xf32>, tensor<3x1x3x3xf32>) -> tensor<1x3x4x4xf32>
  func.return %t : tensor<1x2xf32>
}

// CHECK-LABEL: func.func @float_ops
// CHECK:         %w = ml.constant {value = dense<{{.*}}> : tensor<4x2xf32>} : tensor<4x2xf32>
// CHECK-NEXT:    %y = ml.matmul %x, %w : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
// CHECK:         %z = ml.add %y, %b : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT:    %d = ml.sub %z, %y
// CHECK-NEXT:    %m = ml.mul %d, %z
// CHECK-NEXT:    %r = ml.relu %m : tensor<1x2xf32> -> tensor<1x2xf32>
// CHECK-NEXT:    %s = ml.reshape %r : tensor<1x2xf32> -> tensor<2x1xf32>
// CHECK-NEXT:    %t = ml.transpose %s {perm = array<i64: 1, 0>}
// CHECK:         ml.conv2d %img, %k {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 3 : i64}

func.func @fixed_ops(%x: tensor<1x1x4x4x!ml.fixed<16, 8>>, %w: tensor<2x1x3x3x!ml.fixed<16, 8>>, %b: tensor<2x!ml.fixed<32, 16>>) -> tensor<1x2x2x2x!ml.fixed<16, 8>> {
  %y = ml.conv2d %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x4x4x!ml.fixed<16, 8>>, tensor<2x1x3x3x!ml.fixed<16, 8>>, tensor<2x!ml.fixed<32, 16>>) -> tensor<1x2x2x2x!ml.fixed<32, 16>>
  %z = ml.rescale %y : tensor<1x2x2x2x!ml.fixed<32, 16>> -> tensor<1x2x2x2x!ml.fixed<16, 8>>
  %q = ml.constant {value = dense<[3, -4]> : tensor<2xi64>} : tensor<2x!ml.fixed<16, 8>>
  func.return %z : tensor<1x2x2x2x!ml.fixed<16, 8>>
}

// CHECK-LABEL: func.func @fixed_ops
// CHECK:         ml.conv2d %x, %w, %b {{.*}} -> tensor<1x2x2x2x!ml.fixed<32, 16>>
// CHECK-NEXT:    %z = ml.rescale %y : tensor<1x2x2x2x!ml.fixed<32, 16>> -> tensor<1x2x2x2x!ml.fixed<16, 8>>
// CHECK-NEXT:    %q = ml.constant {value = dense<[3, -4]> : tensor<2xi64>} : tensor<2x!ml.fixed<16, 8>>
