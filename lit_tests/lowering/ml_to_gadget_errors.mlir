// RUN: not zkir-opt %s -p convert-ml-to-gadget 2>&1 | filecheck %s
// Every op that cannot be lowered is listed in one message.

func.func @main(%x: tensor<4xf32>, %y: tensor<1x8x!ml.fixed<32, 8>>, %i: tensor<2xi64>) -> tensor<4xf32> {
  %s = ml.softmax %x {axis = 0 : i64} : tensor<4xf32> -> tensor<4xf32>
  %g = ml.gather %y, %i {axis = 1 : i64} : (tensor<1x8x!ml.fixed<32, 8>>, tensor<2xi64>) -> tensor<1x2x!ml.fixed<32, 8>>
  %r = ml.relu %g : tensor<1x2x!ml.fixed<32, 8>> -> tensor<1x2x!ml.fixed<32, 8>>
  func.return %s : tensor<4xf32>
}

// CHECK: zkir-opt: error: {{.*}}convert-ml-to-gadget cannot lower: argument 0 of type tensor<4xf32> (run ml-quantize first); ml.softmax 's' on float values (run ml-quantize first); ml.gather 'g' with run-time indices (only rows of a constant matrix are supported) (and 1 ops that depend on these){{$}}
