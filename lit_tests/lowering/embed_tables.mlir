// RUN: zkir-opt %s -p 'convert-gadget-to-plonk,plonk-verify-layout' | filecheck %s
// Embedding tables are named after their contents: two matrices read by unnamed
// gathers get two tables (a name from the node alone would merge them), and a
// matrix read twice keeps one.

func.func @main(%ids: tensor<1x3x!gadget.felt>) -> tensor<1x3x4x!gadget.felt> {
  %0 = gadget.constant {value = dense<[[1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi64>, visibility = "fixed"} : tensor<2x4x!gadget.felt>
  %1 = gadget.embed %0, %ids : (tensor<2x4x!gadget.felt>, tensor<1x3x!gadget.felt>) -> tensor<1x3x4x!gadget.felt>
  %2 = gadget.constant {value = dense<[[9, 10, 11, 12], [13, 14, 15, 16]]> : tensor<2x4xi64>, visibility = "fixed"} : tensor<2x4x!gadget.felt>
  %3 = gadget.embed %2, %ids : (tensor<2x4x!gadget.felt>, tensor<1x3x!gadget.felt>) -> tensor<1x3x4x!gadget.felt>
  %4 = gadget.embed %0, %ids : (tensor<2x4x!gadget.felt>, tensor<1x3x!gadget.felt>) -> tensor<1x3x4x!gadget.felt>
  %5 = gadget.add %1, %3 : (tensor<1x3x4x!gadget.felt>, tensor<1x3x4x!gadget.felt>) -> tensor<1x3x4x!gadget.felt>
  %6 = gadget.add %5, %4 : (tensor<1x3x4x!gadget.felt>, tensor<1x3x4x!gadget.felt>) -> tensor<1x3x4x!gadget.felt>
  func.return %6 : tensor<1x3x4x!gadget.felt>
}

// CHECK:      plonk.lookup_table @[[T1:embed_table_[0-9a-f]{12}]] {fn = "embedding", bits = 3 : i64, columns = [@[[T1]].tag, @[[T1]].row, @[[T1]].col, @[[T1]].value], data = dense<{{\[\[}}1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi64>}
// CHECK-NEXT: plonk.lookup_table @[[T2:embed_table_[0-9a-f]{12}]] {fn = "embedding", bits = 3 : i64, columns = [@[[T2]].tag, {{.*}}data = dense<{{\[\[}}9, 10, 11, 12], [13, 14, 15, 16]]> : tensor<2x4xi64>}
// CHECK-NOT:  plonk.lookup_table
// CHECK:      plonk.place @embed {gadget = "embed", {{.*}}params = {table = "[[T1]]"
// CHECK:      plonk.place @embed_1 {gadget = "embed", {{.*}}params = {table = "[[T2]]"
// CHECK:      plonk.place @embed_2 {gadget = "embed", {{.*}}params = {table = "[[T1]]"
