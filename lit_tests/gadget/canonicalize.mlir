// RUN: zkir-opt %s -p gadget-canonicalize | filecheck %s

// CHECK-LABEL: func.func @unit_rescale
// CHECK-NEXT:    %{{.*}} = gadget.rescale %x {divisor = 4 : i64}
// CHECK-NEXT:    %{{.*}} = gadget.rescale %x, %x {divisor = 1 : i64}
// CHECK-NEXT:    func.return %x, %{{.*}}, %{{.*}}
func.func @unit_rescale(%x: tensor<4x!gadget.felt>) -> (tensor<4x!gadget.felt>, tensor<4x!gadget.felt>, tensor<4x!gadget.felt>) {
  %a = gadget.rescale %x {divisor = 1 : i64} : tensor<4x!gadget.felt> -> tensor<4x!gadget.felt>
  %b = gadget.rescale %x {divisor = 4 : i64} : tensor<4x!gadget.felt> -> tensor<4x!gadget.felt>
  %c = gadget.rescale %x, %x {divisor = 1 : i64} : tensor<4x!gadget.felt>, tensor<4x!gadget.felt> -> tensor<4x!gadget.felt>
  func.return %a, %b, %c : tensor<4x!gadget.felt>, tensor<4x!gadget.felt>, tensor<4x!gadget.felt>
}

// Only the tightest range check of a value is kept; other values keep theirs.
// CHECK-LABEL: func.func @implied_range_checks
// CHECK-NEXT:    gadget.range_check %x {bits = 8 : i64}
// CHECK-NEXT:    gadget.range_check %y {bits = 16 : i64}
// CHECK-NEXT:    func.return
func.func @implied_range_checks(%x: tensor<4x!gadget.felt>, %y: tensor<4x!gadget.felt>) {
  gadget.range_check %x {bits = 16 : i64} : tensor<4x!gadget.felt>
  gadget.range_check %x {bits = 8 : i64} : tensor<4x!gadget.felt>
  gadget.range_check %y {bits = 16 : i64} : tensor<4x!gadget.felt>
  gadget.range_check %x {bits = 8 : i64} : tensor<4x!gadget.felt>
  gadget.range_check %y {bits = 16 : i64} : tensor<4x!gadget.felt>
  func.return
}
