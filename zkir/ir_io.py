"""Reading and writing IR text, with zkir's dialects and weight blobs.

Every zkir parse goes through `parse_module`, which first runs `check_strings`
(as zkir-opt does on each input chunk): a linear-time scan of the text's string
literals. xDSL 0.74's lexer matches a string with `"(?:PLAIN+|ESCAPE)*"`,
a `(x+)*` nest that backtracks exponentially when the closing quote is missing
(4x the time for every 2 more characters: 20, 22, 24, 26 took 1, 2, 5.6, 19 s in
zkir-opt), so an 83-byte bad .mlir, or a 4_plonk.mlir cut inside a weight blob,
hung zkir-opt, compile, prove and report. The scan reports such a file in one
line (file, line, column) before xDSL sees it, and the lexer's pattern is also
replaced by an equivalent one that cannot backtrack (`_LINEAR_STRING`), for any
Parser built elsewhere in the process.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.targets.mlir import MLIRTarget
from xdsl.utils.exceptions import ParseError
from xdsl.utils.lexer import Input, Span
from xdsl.utils.mlir_lexer import MLIRLexer

from zkir.context import make_context
from zkir.files import write_atomic

# xDSL's string-literal pattern, and the same language without backtracking:
# `(?:A+|B)*` and `(?:A++|B)*+` accept the same strings (A is one plain character,
# B a `\`-escape; no A starts with `\` and the escapes `\"`, `\n`, `\t`, `\\`, `\XX`
# cannot be split another way, so a string splits into A-runs and escapes in one
# way only), and after a maximal A-run or escape the next character is none that a
# shorter choice would let match, so giving nothing back loses no match.
# tests/ir/test_ir_text_bounds.py checks the two agree on every short string.
_XDSL_STRING = r'"(?:[^"\\\n\v\f]+|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*"'
_STRING_BODY = r'(?:[^"\\\n\v\f]++|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*+'
_LINEAR_STRING = re.compile('"' + _STRING_BODY + '"')

if MLIRLexer._unescaped_characters_regex.pattern == _XDSL_STRING:  # a later xDSL may fix it
    MLIRLexer._unescaped_characters_regex = _LINEAR_STRING

# What the lexer skips or lexes as one unit outside tokens: a `//` comment, or a
# string literal whose closing quote may be missing (`close` tells).
_COMMENT_OR_STRING = re.compile(r'//[^\n]*+|"' + _STRING_BODY + r'(?P<close>")?')


class IRTextError(ParseError):
    """IR text zkir refuses before, or instead of, xDSL's parser: a string
    literal the lexer cannot read (unterminated, or a bad escape), nesting too
    deep for the parser's recursion. `msg` names the line and column, for
    callers that print only `msg`; str() is one line (xDSL's ParseError quotes
    the whole source line, which may be a megabyte-long weight blob)."""

    def __init__(self, span: Span[str], reason: str, line: int, column: int):
        super().__init__(span, f"line {line}, column {column}: {reason}")
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.span.get_location()}: {self.reason}"


def _column(text: str, pos: int) -> int:
    return pos - (text.rfind("\n", 0, pos) + 1) + 1


def check_strings(text: str, name: str = "<input>", line_offset: int = 0) -> None:
    """Raise IRTextError if a string literal in `text` is not closed on its line
    or holds an escape MLIR does not have; linear in len(text). `line_offset`:
    the lines before `text` in its file (zkir-opt --split-input-file)."""
    for m in _COMMENT_OR_STRING.finditer(text):
        if m.group("close") is not None or m.group().startswith("//"):
            continue
        start, end = m.start(), m.end()
        stop = text[end : end + 1]
        if stop == "\\":
            at = end
            reason = (
                f"bad escape {text[end : end + 2]!r} in the string literal opened at column "
                f"{_column(text, start)} (MLIR has \\n \\t \\\\ \\\" and \\XX)"
            )
        else:
            at = start
            where = {"": "the end of the file", "\n": "the end of its line"}.get(stop, repr(stop))
            reason = f"unterminated string literal: no closing quote before {where}"
        raise _error_at(text, name, at, reason, line_offset)


def _error_at(text: str, name: str, at: int, reason: str, line_offset: int = 0) -> IRTextError:
    line = text.count("\n", 0, at) + 1 + line_offset
    return IRTextError(Span(at, at + 1, Input(text, name), line_offset), reason, line, _column(text, at))


def parse_module(text: str, name: str = "<input>", ctx: Context | None = None) -> ModuleOp:
    """Parse and verify a module; raises xDSL's ParseError (IRTextError for a bad
    string literal, found in linear time, or too deep a nesting) / VerifyException."""
    check_strings(text, name)
    parser = Parser(ctx or make_context(), text, name)
    try:
        module = parser.parse_module()
    except RecursionError:  # e.g. thousands of nested regions
        raise _error_at(text, name, parser.pos, "nested too deeply to parse") from None
    module.verify()
    return module


def read_module(path: str | Path, ctx: Context | None = None) -> ModuleOp:
    return parse_module(Path(path).read_text(), str(path), ctx)


def print_module(module: ModuleOp, ctx: Context | None = None) -> str:
    """The module's text, with the dense-resource blobs it references."""
    out = io.StringIO()
    MLIRTarget().emit(ctx or make_context(), module, out)
    return out.getvalue()


def write_module(module: ModuleOp, path: str | Path, ctx: Context | None = None) -> None:
    """Atomically (temporary file, then rename): a fault leaves the old file whole."""
    write_atomic(path, print_module(module, ctx))
