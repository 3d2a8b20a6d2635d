// A hand-written ml-dialect model fragment: an NHWC image shuffled to NCHW and
// back, flattened twice, then a dense layer. `ml-canonicalize` removes the shuffles.
func.func @main(%img: tensor<1x8x8x1xf32>) -> tensor<1x4xf32> {
  %nchw = ml.transpose %img {perm = array<i64: 0, 3, 1, 2>} : tensor<1x8x8x1xf32> -> tensor<1x1x8x8xf32>
  %nhwc = ml.transpose %nchw {perm = array<i64: 0, 2, 3, 1>} : tensor<1x1x8x8xf32> -> tensor<1x8x8x1xf32>
  %rows = ml.reshape %nhwc : tensor<1x8x8x1xf32> -> tensor<8x8xf32>
  %flat = ml.reshape %rows : tensor<8x8xf32> -> tensor<1x64xf32>
  %w = ml.constant {value = dense<0.015625> : tensor<64x4xf32>} : tensor<64x4xf32>
  %y = ml.matmul %flat, %w : (tensor<1x64xf32>, tensor<64x4xf32>) -> tensor<1x4xf32>
  %r = ml.relu %y : tensor<1x4xf32> -> tensor<1x4xf32>
  func.return %r : tensor<1x4xf32>
}
