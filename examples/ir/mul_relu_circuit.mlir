plonk.circuit @mlp k = 6 {
  plonk.column @a0 "advice" equality
  plonk.column @a1 "advice" equality
  plonk.column @a2 "advice"
  plonk.column @q_mul "fixed"
  plonk.column @t_in "fixed"
  plonk.column @t_out "fixed"
  plonk.column @out "instance" equality
  plonk.gate "mul" {
    %q = plonk.query @q_mul[0]
    %a = plonk.query @a0[0]
    %b = plonk.query @a1[0]
    %c = plonk.query @a2[1]
    %m = plonk.mul %a, %b
    %d = plonk.sub %m, %c
    %e = plonk.mul %q, %d
    %k = plonk.const -2
    %f = plonk.add %d, %k
    %g = plonk.mul %q, %f
    plonk.constrain %e, %g
  }
  plonk.lookup_table @relu4 {fn = "relu", bits = 4 : i64, columns = [@t_in, @t_out]}
  plonk.lookup "relu" @relu4 {
    %x = plonk.query @a0[0]
    %y = plonk.query @a1[0]
    plonk.constrain %x, %y
  }
  plonk.place @mul0 {gadget = "mul", row = 0 : i64, rows = 8 : i64, columns = [@a0, @a1, @a2]}
  plonk.place @relu0 {gadget = "lookup", row = 8 : i64, rows = 8 : i64, columns = [@a0, @a1]}
  plonk.place @io {gadget = "io", row = 0 : i64, rows = 8 : i64, columns = [@out]}
  plonk.copy {src = @mul0, src_column = @a1, src_row = 0 : i64, dst = @relu0, dst_column = @a0, dst_row = 0 : i64, count = 8 : i64}
}
