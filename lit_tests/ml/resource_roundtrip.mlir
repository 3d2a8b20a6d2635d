// RUN: zkir-opt %s | zkir-opt | filecheck %s
// Weights stored as dense resource blobs survive printing and parsing.

func.func @weights(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = ml.constant {value = dense_resource<fc_w> : tensor<4x2xf32>} : tensor<4x2xf32>
  %y = ml.matmul %x, %w : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// CHECK:      ml.constant {value = dense_resource<fc_w> : tensor<4x2xf32>}
// CHECK:      dialect_resources: {
// CHECK-NEXT:   builtin: {
// CHECK-NEXT:     fc_w: "0x040000000000803f000000400000404000008040000000000000000000000000000000000000"

{-#
  dialect_resources: {
    builtin: {
      fc_w: "0x040000000000803f000000400000404000008040000000000000000000000000000000000000"
    }
  }
#-}
