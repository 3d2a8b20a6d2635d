// The digits MLP imported from ONNX, then quantized: three dense layers, each
// one matmul at scale 2s, its bias added at 2s, one rescale, and ReLU between.
// RUN: zkir import %S/../../examples/digits_mlp/model.onnx --input-shape 1,64 -o %t.mlir
// RUN: zkir-opt %t.mlir | filecheck %s --check-prefix=FLOAT
// RUN: zkir-opt %t.mlir -p 'ml-quantize{scale-bits=10}' | filecheck %s

// FLOAT:       func.func @main(%pixels: tensor<1x64xf32> {ml.name = "pixels"}) -> (tensor<1x10xf32> {ml.name = "logits"})
// FLOAT-COUNT-3: ml.matmul
// FLOAT-NOT:   ml.rescale

// CHECK:       func.func @main(%pixels: tensor<1x64x!ml.fixed<32, 10>> {ml.name = "pixels"}) -> (tensor<1x10x!ml.fixed<32, 10>> {ml.name = "logits"})
// CHECK:         %{{.*}} = ml.constant {value = dense_resource<{{.*}}> : tensor<64x32xi64>} : tensor<64x32x!ml.fixed<32, 10>>
// CHECK-NEXT:    %[[P:.*]] = ml.matmul %pixels, %{{.*}} -> tensor<1x32x!ml.fixed<64, 20>>
// CHECK-NEXT:    %[[B:.*]] = ml.constant {{.*}} : tensor<32x!ml.fixed<64, 20>>
// CHECK-NEXT:    %[[S:.*]] = ml.add %[[P]], %[[B]]
// CHECK-NEXT:    %[[R:.*]] = ml.rescale %[[S]] : tensor<1x32x!ml.fixed<64, 20>> -> tensor<1x32x!ml.fixed<32, 10>>
// CHECK-NEXT:    ml.relu %[[R]]
// CHECK-COUNT-2: ml.rescale
// CHECK:         func.return
// CHECK:       dialect_resources
