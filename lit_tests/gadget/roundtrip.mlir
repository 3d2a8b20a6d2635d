// RUN: zkir-opt %s | zkir-opt | filecheck %s

func.func @layer(%x: tensor<1x4x!gadget.felt>) -> tensor<1x2x!gadget.felt> {
  %w = gadget.constant {value = dense<[[1, 2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi64>, visibility = "fixed"} : tensor<4x2x!gadget.felt>
  %b = gadget.constant {value = dense<[1, -2]> : tensor<2xi64>} : tensor<2x!gadget.felt>
  %y = gadget.dot %x, %w, %b : (tensor<1x4x!gadget.felt>, tensor<4x2x!gadget.felt>, tensor<2x!gadget.felt>) -> tensor<1x2x!gadget.felt>
  %r = gadget.rescale %y {divisor = 256 : i64} : tensor<1x2x!gadget.felt> -> tensor<1x2x!gadget.felt>
  %rb = gadget.rescale %y, %b {divisor = 16 : i64} : tensor<1x2x!gadget.felt>, tensor<2x!gadget.felt> -> tensor<1x2x!gadget.felt>
  %l = gadget.lookup "relu" %r {table_bits = 16 : i64} : tensor<1x2x!gadget.felt> -> tensor<1x2x!gadget.felt>
  %s = gadget.sum %l {axes = array<i64: 1>, keepdims} : tensor<1x2x!gadget.felt> -> tensor<1x1x!gadget.felt>
  %m = gadget.reduce_max %l {axes = array<i64: -1>} : tensor<1x2x!gadget.felt> -> tensor<1x!gadget.felt>
  gadget.range_check %l {bits = 16 : i64} : tensor<1x2x!gadget.felt>
  %a = gadget.add %l, %b : (tensor<1x2x!gadget.felt>, tensor<2x!gadget.felt>) -> tensor<1x2x!gadget.felt>
  %d = gadget.sub %a, %l : (tensor<1x2x!gadget.felt>, tensor<1x2x!gadget.felt>) -> tensor<1x2x!gadget.felt>
  %p = gadget.mul %d, %d : (tensor<1x2x!gadget.felt>, tensor<1x2x!gadget.felt>) -> tensor<1x2x!gadget.felt>
  func.return %p : tensor<1x2x!gadget.felt>
}

// CHECK:      %w = gadget.constant {value = dense<{{\[\[}}1, 2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi64>, visibility = "fixed"} : tensor<4x2x!gadget.felt>
// CHECK-NEXT: %b = gadget.constant {value = dense<[1, -2]> : tensor<2xi64>} : tensor<2x!gadget.felt>
// CHECK-NEXT: %y = gadget.dot %x, %w, %b : (tensor<1x4x!gadget.felt>, tensor<4x2x!gadget.felt>, tensor<2x!gadget.felt>) -> tensor<1x2x!gadget.felt>
// CHECK-NEXT: %r = gadget.rescale %y {divisor = 256 : i64} : tensor<1x2x!gadget.felt> -> tensor<1x2x!gadget.felt>
// CHECK-NEXT: %rb = gadget.rescale %y, %b {divisor = 16 : i64} : tensor<1x2x!gadget.felt>, tensor<2x!gadget.felt> -> tensor<1x2x!gadget.felt>
// CHECK-NEXT: %l = gadget.lookup "relu" %r {table_bits = 16 : i64} : tensor<1x2x!gadget.felt> -> tensor<1x2x!gadget.felt>
// CHECK-NEXT: %s = gadget.sum %l {axes = array<i64: 1>, keepdims}
// CHECK-NEXT: %m = gadget.reduce_max %l {axes = array<i64: -1>}
// CHECK-NEXT: gadget.range_check %l {bits = 16 : i64} : tensor<1x2x!gadget.felt>
// CHECK-NEXT: %a = gadget.add %l, %b
// CHECK-NEXT: %d = gadget.sub %a, %l
// CHECK-NEXT: %p = gadget.mul %d, %d
