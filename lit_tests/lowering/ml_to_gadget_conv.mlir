// RUN: zkir-opt %s -p convert-ml-to-gadget | filecheck %s
// A convolution is im2col wiring, one dot, and wiring back to NCHW.

func.func @main(%x: tensor<1x1x3x3x!ml.fixed<32, 4>>) -> tensor<1x2x2x2x!ml.fixed<64, 8>> {
  %w = ml.constant {value = dense<1> : tensor<2x1x2x2xi64>} : tensor<2x1x2x2x!ml.fixed<32, 4>>
  %y = ml.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x3x3x!ml.fixed<32, 4>>, tensor<2x1x2x2x!ml.fixed<32, 4>>) -> tensor<1x2x2x2x!ml.fixed<64, 8>>
  func.return %y : tensor<1x2x2x2x!ml.fixed<64, 8>>
}

// CHECK:      %[[COLS:.*]] = gadget.rewire "im2col" %x {map = dense<[0, 1, 3, 4, 1, 2, 4, 5, 3, 4, 6, 7, 4, 5, 7, 8]> : tensor<16xi64>} : tensor<1x1x3x3x!gadget.felt> -> tensor<1x4x4x!gadget.felt>
// CHECK-NEXT: %[[W:.*]] = gadget.constant {value = dense<1> : tensor<1x4x2xi64>} : tensor<1x4x2x!gadget.felt>
// CHECK-NEXT: %[[DOT:.*]] = gadget.dot %[[COLS]], %[[W]] : (tensor<1x4x4x!gadget.felt>, tensor<1x4x2x!gadget.felt>) -> tensor<1x4x2x!gadget.felt>
// CHECK-NEXT: %y = gadget.rewire "col2im" %[[DOT]] {map = dense<[0, 2, 4, 6, 1, 3, 5, 7]> : tensor<8xi64>} : tensor<1x4x2x!gadget.felt> -> tensor<1x2x2x2x!gadget.felt>
