// RUN: zkir-opt %s -p convert-ml-to-gadget | filecheck %s
// RUN: zkir-opt %s -p 'convert-ml-to-gadget{weights=fixed},gadget-canonicalize' | filecheck %s --check-prefix=CANON

func.func @main(%x: tensor<1x4x!ml.fixed<32, 8>>) -> tensor<2x1x!ml.fixed<32, 8>> {
  %w = ml.constant {value = dense<[[1, 2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi64>} : tensor<4x2x!ml.fixed<32, 8>>
  %y = ml.matmul %x, %w : (tensor<1x4x!ml.fixed<32, 8>>, tensor<4x2x!ml.fixed<32, 8>>) -> tensor<1x2x!ml.fixed<64, 16>>
  %b = ml.constant {value = dense<[100, -100]> : tensor<2xi64>} : tensor<2x!ml.fixed<64, 16>>
  %z = ml.add %y, %b : (tensor<1x2x!ml.fixed<64, 16>>, tensor<2x!ml.fixed<64, 16>>) -> tensor<1x2x!ml.fixed<64, 16>>
  %r = ml.rescale %z : tensor<1x2x!ml.fixed<64, 16>> -> tensor<1x2x!ml.fixed<32, 8>>
  %a = ml.relu %r : tensor<1x2x!ml.fixed<32, 8>> -> tensor<1x2x!ml.fixed<32, 8>>
  %t = ml.transpose %a {perm = array<i64: 1, 0>} : tensor<1x2x!ml.fixed<32, 8>> -> tensor<2x1x!ml.fixed<32, 8>>
  func.return %t : tensor<2x1x!ml.fixed<32, 8>>
}

// CHECK:      func.func @main(%x: tensor<1x4x!gadget.felt>) -> tensor<2x1x!gadget.felt> {
// CHECK-NEXT:   %w = gadget.constant {value = dense<{{\[\[}}1, 2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi64>} : tensor<4x2x!gadget.felt>
// CHECK-NEXT:   %y = gadget.dot %x, %w : (tensor<1x4x!gadget.felt>, tensor<4x2x!gadget.felt>) -> tensor<1x2x!gadget.felt>
// CHECK-NEXT:   %b = gadget.constant {value = dense<[100, -100]> : tensor<2xi64>} : tensor<2x!gadget.felt>
// CHECK-NEXT:   %{{.*}} = gadget.rewire "broadcast" %b : tensor<2x!gadget.felt> -> tensor<1x2x!gadget.felt>
// CHECK-NEXT:   %z = gadget.add %y, %{{.*}}
// CHECK-NEXT:   %r = gadget.rescale %z {divisor = 256 : i64}
// CHECK-NEXT:   %a = gadget.lookup "relu" %r {table_bits = 16 : i64, in_scale = 8 : i64, out_scale = 8 : i64}
// CHECK-NEXT:   %t = gadget.rewire "transpose" %a : tensor<1x2x!gadget.felt> -> tensor<2x1x!gadget.felt>
// CHECK-NEXT:   func.return %t

// The add becomes the rescale's bias and the ReLU is fused into the rescale.
// CANON:      gadget.constant {{.*}}visibility = "fixed"
// CANON:      %y = gadget.dot %x, %w
// CANON-NOT:  gadget.add
// CANON:      %a = gadget.rescale %y, %{{.*}} {divisor = 256 : i64, relu}
// CANON-NOT:  gadget.lookup
