// gadget-layout-search records its pick on the function; convert-gadget-to-plonk obeys it.
// RUN: zkir-opt %s -p 'gadget-layout-search{columns=9,18 range-bits=4}' | filecheck %s
// RUN: zkir-opt %s -p 'gadget-layout-search{columns=9 range-bits=4},convert-gadget-to-plonk' | filecheck %s --check-prefix=PLONK
// RUN: zkir-opt %s -p 'gadget-layout-search{columns=9 range-bits=4 table="-"}' 2>&1 >/dev/null | filecheck %s --check-prefix=TABLE

func.func @main(%x: tensor<1x4x!gadget.felt>) -> tensor<1x6x!gadget.felt> {
  %w = gadget.constant {value = dense<1> : tensor<4x6xi64>} : tensor<4x6x!gadget.felt>
  %y = gadget.dot %x, %w : (tensor<1x4x!gadget.felt>, tensor<4x6x!gadget.felt>) -> tensor<1x6x!gadget.felt>
  %r = gadget.rescale %y {divisor = 16 : i64, relu} : tensor<1x6x!gadget.felt> -> tensor<1x6x!gadget.felt>
  func.return %r : tensor<1x6x!gadget.felt>
}

// CHECK: func.func @main({{.*}}) -> tensor<1x6x!gadget.felt> attributes {gadget.layout = #gadget.layout<columns = {{9|18}}, range_bits = 4, k = {{[0-9]+}}, items_per_row = {{[0-2]}}, share_lookups = {{true|false}}>}

// PLONK-COUNT-9: plonk.column @a.{{[0-9]}} "advice" equality
// PLONK-NOT:     plonk.column @a.9

// TABLE:      @main (cost model:
// TABLE-NEXT: columns late range items  lookups   k     rows advice  args predicted s memory MB
// TABLE:      * 9 - 4
