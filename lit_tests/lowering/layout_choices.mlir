// The layout choices convert-gadget-to-plonk carries out: shared or per-gadget
// lookup arguments, a cap on items per row, and a gadget.layout attribute that
// overrides the pass options.
// RUN: zkir-opt %s -p 'convert-gadget-to-plonk{columns=20 range-bits=4}' | filecheck %s --check-prefix=SHARED
// RUN: zkir-opt %s -p 'convert-gadget-to-plonk{columns=20 range-bits=4 share-lookups=false}' | filecheck %s --check-prefix=PERGADGET
// RUN: zkir-opt %s -p 'convert-gadget-to-plonk{columns=20 range-bits=4 items-per-row=1}' | filecheck %s --check-prefix=NARROW
// RUN: sed 's/^\(func.func .*\) {$/\1 attributes {gadget.layout = #gadget.layout<columns = 9, range_bits = 4, k = 6, items_per_row = 0, share_lookups = true>} {/' %s | zkir-opt -p 'convert-gadget-to-plonk{columns=20 range-bits=4}' | filecheck %s --check-prefix=ATTR

func.func @main(%x: tensor<1x4x!gadget.felt>) -> tensor<1x6x!gadget.felt> {
  %w = gadget.constant {value = dense<1> : tensor<4x6xi64>} : tensor<4x6x!gadget.felt>
  %y = gadget.dot %x, %w : (tensor<1x4x!gadget.felt>, tensor<4x6x!gadget.felt>) -> tensor<1x6x!gadget.felt>
  %r = gadget.rescale %y {divisor = 16 : i64, relu} : tensor<1x6x!gadget.felt> -> tensor<1x6x!gadget.felt>
  %s = gadget.rescale %r {divisor = 4 : i64} : tensor<1x6x!gadget.felt> -> tensor<1x6x!gadget.felt>
  func.return %s : tensor<1x6x!gadget.felt>
}

// Two rescale kinds, 4 lookups an item each: relu (9 cells) two items a row,
// d4 (6 cells) three: twelve slots of range4, shared by both gadgets.
// SHARED-COUNT-12: plonk.lookup "range4_{{[0-9]+}}" @range4
// SHARED-NOT:      plonk.lookup
// SHARED:          plonk.place @r {gadget = "rescale", row = 6 : i64, rows = 3 : i64

// PERGADGET-COUNT-8: plonk.lookup "rescale_relu_d16_t4_{{[a-z0-9]+}}" @range4
// PERGADGET-COUNT-12: plonk.lookup "rescale_d4_t4_{{[a-z_0-9]+}}" @range4

// One item a row: four slots, six rows per rescale, nine columns each.
// NARROW-COUNT-4: plonk.lookup "range4_{{[0-3]}}" @range4
// NARROW-NOT:     plonk.lookup
// NARROW:         plonk.place @r {gadget = "rescale", row = 6 : i64, rows = 6 : i64, columns = [@a.0, @a.1, @a.2, @a.3, @a.4, @a.5, @a.6, @a.7, @a.8],

// ATTR:       plonk.circuit @main k = 6 {
// ATTR-COUNT-9: plonk.column @a.{{[0-9]}} "advice" equality
// ATTR-NOT:   plonk.column @a.9
