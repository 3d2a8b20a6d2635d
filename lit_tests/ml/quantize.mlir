// RUN: zkir-opt %s -p 'ml-quantize{scale-bits=8}' | filecheck %s

// A dense layer: weight at scale 8, the product at 16, the bias added at 16
// before one rescale back to 8.
// CHECK-LABEL: func.func @dense
// CHECK-SAME:    (%x: tensor<1x2x!ml.fixed<32, 8>>) -> tensor<1x2x!ml.fixed<32, 8>>
// CHECK-NEXT:    %[[W:.*]] = ml.constant {value = dense<{{\[}}[128, -64], [32, 256]]> : tensor<2x2xi64>} : tensor<2x2x!ml.fixed<32, 8>>
// CHECK-NEXT:    %[[P:.*]] = ml.matmul %x, %[[W]] : (tensor<1x2x!ml.fixed<32, 8>>, tensor<2x2x!ml.fixed<32, 8>>) -> tensor<1x2x!ml.fixed<64, 16>>
// CHECK-NEXT:    %[[B:.*]] = ml.constant {value = dense<[32768, -16384]> : tensor<2xi64>} : tensor<2x!ml.fixed<64, 16>>
// CHECK-NEXT:    %[[S:.*]] = ml.add %[[P]], %[[B]] : (tensor<1x2x!ml.fixed<64, 16>>, tensor<2x!ml.fixed<64, 16>>) -> tensor<1x2x!ml.fixed<64, 16>>
// CHECK-NEXT:    %[[R:.*]] = ml.rescale %[[S]] : tensor<1x2x!ml.fixed<64, 16>> -> tensor<1x2x!ml.fixed<32, 8>>
// CHECK-NEXT:    %[[A:.*]] = ml.relu %[[R]] : tensor<1x2x!ml.fixed<32, 8>> -> tensor<1x2x!ml.fixed<32, 8>>
// CHECK-NEXT:    func.return %[[A]]
func.func @dense(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = ml.constant {value = dense<[[0.5, -0.25], [0.125, 1.0]]> : tensor<2x2xf32>} : tensor<2x2xf32>
  %b = ml.constant {value = dense<[0.5, -0.25]> : tensor<2xf32>} : tensor<2xf32>
  %p = ml.matmul %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %s = ml.add %p, %b : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %r = ml.relu %s : tensor<1x2xf32> -> tensor<1x2xf32>
  func.return %r : tensor<1x2xf32>
}

// Division by a constant is a product with its reciprocal; by a value, with
// ml.reciprocal of it. Nonlinearities stay at scale 8.
// CHECK-LABEL: func.func @divide
// CHECK:         ml.constant {value = dense<64> : tensor<i64>} : tensor<!ml.fixed<32, 8>>
// CHECK:         ml.mul {{.*}} -> tensor<4x!ml.fixed<64, 16>>
// CHECK:         ml.reciprocal %y : tensor<4x!ml.fixed<32, 8>> -> tensor<4x!ml.fixed<32, 8>>
// CHECK:         ml.rescale
// CHECK:         ml.mul
// CHECK:         ml.rescale
// CHECK:         ml.sigmoid {{.*}} : tensor<4x!ml.fixed<32, 8>> -> tensor<4x!ml.fixed<32, 8>>
// CHECK-NOT:     ml.div
func.func @divide(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %c = ml.constant {value = dense<4.0> : tensor<f32>} : tensor<f32>
  %a = ml.div %x, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %b = ml.div %a, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s = ml.sigmoid %b : tensor<4xf32> -> tensor<4xf32>
  func.return %s : tensor<4xf32>
}

// A conv2d bias is stored at the product's scale inside the op.
// CHECK-LABEL: func.func @conv
// CHECK:         %[[CB:.*]] = ml.constant {value = dense<65536> : tensor<1xi64>} : tensor<1x!ml.fixed<64, 16>>
// CHECK:         ml.conv2d %x, %{{.*}}, %[[CB]] {{.*}} -> tensor<1x1x2x2x!ml.fixed<64, 16>>
// CHECK-NEXT:    ml.rescale
func.func @conv(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  %w = ml.constant {value = dense<0.25> : tensor<1x1x2x2xf32>} : tensor<1x1x2x2xf32>
  %b = ml.constant {value = dense<1.0> : tensor<1xf32>} : tensor<1xf32>
  %y = ml.conv2d %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  func.return %y : tensor<1x1x2x2xf32>
}
