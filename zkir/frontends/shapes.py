"""Static input shapes for a model whose inputs have dynamic dimensions; one
rule for the ONNX and TFLite/Keras importers.

A circuit has one shape, so every dimension must be known before import. Most
exported models (Keras always, torch.onnx.export with dynamic_axes) leave only
the batch dimension open: that defaults to 1, and the importer says so through
`notice` (the CLI prints it on stderr). Any other open dimension (a sequence
length, an image size) cannot be guessed: one error names every such input,
with the `--input-shape` flag to pass for each, so a model with four dynamic
inputs needs one run to learn all four flags, not four.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from zkir.frontends.errors import ModelError

Notice = Callable[[str], None]
"""Where an importer says what it assumed (a defaulted batch dimension)."""

Dim = int | str | None
"""A declared dimension: a size, a symbolic name (ONNX dim_param), or unknown."""

DEFAULT_BATCH = 1


def shown(dims: Sequence[Dim]) -> list[int | str]:
    """Dimensions as the error messages show them: '?' for an unnamed unknown one."""
    return [d if isinstance(d, int) and d >= 0 else (d if isinstance(d, str) and d else "?") for d in dims]


def resolve_input_shapes(
    declared: Sequence[tuple[str, Sequence[Dim]]],
    given: Mapping[str, Sequence[int]] | Sequence[int] | None,
    notice: Notice | None = None,
) -> dict[str, list[int]]:
    """{input name: static shape} for every declared (name, dims) input.

    A shape in `given` (a bare list when the model has one input, else by name)
    must fit the declared dims. An input not given whose only unknown dimension
    is the first (the batch, in a rank >= 2 input) gets batch 1, reported
    through `notice` in one line naming all such inputs. Any other unknown
    dimension raises one ModelError listing every such input and its flag.
    """
    names = [n for n, _ in declared]
    if given is not None and not isinstance(given, Mapping):
        if len(declared) != 1:
            raise ModelError(f"an input shape without a name needs a model with one input; this one has {names}")
        given = {names[0]: list(given)}
    given = dict(given or {})
    unknown = [n for n in given if n not in names]
    if unknown:
        raise ModelError(
            f"--input-shape {unknown[0]}=...: the model has no input named '{unknown[0]}' (its inputs: {', '.join(names)})"
        )
    out: dict[str, list[int]] = {}
    batched: list[str] = []
    missing: list[tuple[str, Sequence[Dim]]] = []
    for name, dims in declared:
        if name in given:
            shape = [int(d) for d in given[name]]
            if len(shape) != len(dims) or any(isinstance(d, int) and d >= 0 and d != g for d, g in zip(dims, shape)):
                raise ModelError(f"input shape {shape} for '{name}' does not fit the model's {shown(dims)}")
            out[name] = shape
            continue
        open_dims = [i for i, d in enumerate(dims) if not (isinstance(d, int) and d >= 0)]
        if not open_dims:
            out[name] = [int(d) for d in dims]  # type: ignore[arg-type]  # all ints, checked above
        elif open_dims == [0] and len(dims) >= 2:
            out[name] = [DEFAULT_BATCH] + [int(d) for d in dims[1:]]  # type: ignore[arg-type]
            batched.append(name)
        else:
            missing.append((name, dims))
    if missing:
        described = ", ".join(f"'{n}' {shown(d)}" for n, d in missing)
        flags = " ".join(f"--input-shape {n}={_template(d)}" for n, d in missing)
        plural = "s have" if len(missing) > 1 else " has"
        raise ModelError(
            f"input{plural} dynamic shape beyond the batch: {described}; give static ones with {flags} "
            "(with the size to prove in place of each name)"
        )
    if batched and notice is not None:
        listed = ", ".join(f"'{n}' {out[n]}" for n in batched)
        notice(f"dynamic batch dimension set to {DEFAULT_BATCH} for input{'s' if len(batched) > 1 else ''} {listed} "
               "(--input-shape NAME=D1,D2,.. to choose another)")
    return out


def _template(dims: Sequence[Dim]) -> str:
    """The flag's value for one input: sizes where known, batch 1, a letter
    (the ONNX dim_param when it is a plain name) for each other unknown."""
    parts = []
    letters = iter("DEFGHJKLMNPQRSTUVWXYZ")
    for i, d in enumerate(dims):
        if isinstance(d, int) and d >= 0:
            parts.append(str(d))
        elif i == 0 and len(dims) >= 2:
            parts.append(str(DEFAULT_BATCH))
        elif isinstance(d, str) and d.isidentifier():
            parts.append(d)
        else:
            parts.append(next(letters, "N"))
    return ",".join(parts)
