"""Size expressions: the little language of work sizes, scalar values and output sizes.

    e = parse("(I.X * 3 + 15) / 16")
    e.names                        # {"I.X"}
    e.evaluate({"I.X": 1920})      # 360

OpenVINO's VPU custom-layer XML writes work sizes this way (`<WorkSizes global="X,Y,F"/>`,
`<Scalar source="I.X"/>`); OpenCLKernel uses the same language. It has:

- numbers: `16`, `0.5`;
- names, dotted or not: `I.X`, `O1.Y`, `src.F`, `stride` — the caller gives their values;
- `+ - * / % //`, unary `-` and `+`, parentheses, `min(a, b, ...)` and `max(a, b, ...)`.

`/` between two integers divides as C does (rounding towards zero), so a work size reads as the
kernel's own arithmetic; `//` rounds down; with a float on either side both give a float. `%` has
the sign of the dividend, as in C. Nothing is handed to Python's `eval`: text is tokenised and
parsed here, and a mistake names the expression and the column.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

FUNCTIONS = ("min", "max")


class ExpressionError(ValueError):
    """An expression that does not parse, names a value that is not given, or divides by zero."""


_TOKEN = re.compile(r"\s*(?:(?P<number>\d+\.\d*|\.\d+|\d+)|(?P<name>[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_0-9]+)*)"
                    r"|(?P<op>//|[-+*/%(),]))")


@dataclass(frozen=True)
class _Token:
    kind: str     # "number", "name", "op" or "end"
    text: str
    column: int   # 1-based, for messages


def _tokens(text: str) -> list[_Token]:
    found, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            column = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            raise ExpressionError(f"{text!r}: unexpected {text[column - 1]!r} at column {column} — expressions "
                                  f"have numbers, names, + - * / % //, parentheses, min() and max()")
        kind = m.lastgroup
        found.append(_Token(kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    found.append(_Token("end", "", len(text) + 1))
    return found


# The parsed tree: tuples, so an expression is a plain immutable value.
#   ("num", value) | ("name", name) | ("neg", a) | (op, a, b) | ("call", fn, (args...))

class Expression:
    """A parsed expression: `names` it reads, `evaluate(values)` for its value, `text` as written."""

    def __init__(self, text: str, tree):
        self.text = text
        self._tree = tree
        self.names = frozenset(_names(tree))

    def evaluate(self, values: Mapping[str, int | float]) -> int | float:
        missing = sorted(n for n in self.names if n not in values)
        if missing:
            known = ", ".join(sorted(values)) or "none"
            raise ExpressionError(f"{self.text!r}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                                  f"not known here — the names known are {known}")
        return _evaluate(self._tree, values, self.text)

    @property
    def constant(self) -> bool:
        return not self.names

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Expression) and other._tree == self._tree

    def __hash__(self) -> int:
        return hash(self._tree)


def parse(text) -> Expression:
    """Parse `text` (a str, or an int or float, which stands for itself)."""
    if isinstance(text, bool):
        raise ExpressionError(f"expected a number or an expression, got {text!r}")
    if isinstance(text, (int, float)):
        return Expression(repr(text), ("num", text))
    if not isinstance(text, str):
        raise ExpressionError(f"expected a number or an expression as a str, got {type(text).__name__} {text!r}")
    parser = _Parser(text)
    tree = parser.expression()
    parser.expect_end()
    return Expression(text.strip(), tree)


class _Parser:
    """Recursive descent: sum := term (("+"|"-") term)*; term := unary (("*"|"/"|"//"|"%") unary)*;
    unary := ("-"|"+") unary | atom; atom := number | name | fn "(" sum ("," sum)* ")" | "(" sum ")"."""

    def __init__(self, text: str):
        if not text.strip():
            raise ExpressionError("an empty expression — write a number or an expression such as 'I.X / 2'")
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def fail(self, what: str):
        tok = self.tok
        got = "the end" if tok.kind == "end" else repr(tok.text)
        raise ExpressionError(f"{self.text!r}: expected {what} at column {tok.column}, got {got}")

    def take(self, *ops) -> str | None:
        if self.tok.kind == "op" and self.tok.text in ops:
            self.i += 1
            return self.tokens[self.i - 1].text
        return None

    def expect_end(self):
        if self.tok.kind != "end":
            self.fail("an operator or the end")

    def expression(self):
        tree = self.term()
        while (op := self.take("+", "-")) is not None:
            tree = (op, tree, self.term())
        return tree

    def term(self):
        tree = self.unary()
        while (op := self.take("*", "/", "//", "%")) is not None:
            tree = (op, tree, self.unary())
        return tree

    def unary(self):
        if self.take("-") is not None:
            return ("neg", self.unary())
        if self.take("+") is not None:
            return self.unary()
        return self.atom()

    def atom(self):
        tok = self.tok
        if tok.kind == "number":
            self.i += 1
            return ("num", float(tok.text) if "." in tok.text else int(tok.text))
        if tok.kind == "name":
            self.i += 1
            if self.take("(") is not None:
                if tok.text not in FUNCTIONS:
                    raise ExpressionError(f"{self.text!r}: no function {tok.text}() (column {tok.column}) — "
                                          f"the functions are {', '.join(f + '()' for f in FUNCTIONS)}")
                args = [self.expression()]
                while self.take(",") is not None:
                    args.append(self.expression())
                if self.take(")") is None:
                    self.fail("',' or ')'")
                return ("call", tok.text, tuple(args))
            return ("name", tok.text)
        if self.take("(") is not None:
            tree = self.expression()
            if self.take(")") is None:
                self.fail("')'")
            return tree
        self.fail("a number, a name or '('")


def _names(tree):
    kind = tree[0]
    if kind == "name":
        yield tree[1]
    elif kind == "neg":
        yield from _names(tree[1])
    elif kind == "call":
        for arg in tree[2]:
            yield from _names(arg)
    elif kind != "num":
        yield from _names(tree[1])
        yield from _names(tree[2])


def _evaluate(tree, values, text):
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "name":
        return values[tree[1]]
    if kind == "neg":
        return -_evaluate(tree[1], values, text)
    if kind == "call":
        args = [_evaluate(a, values, text) for a in tree[2]]
        return min(args) if tree[1] == "min" else max(args)
    a, b = _evaluate(tree[1], values, text), _evaluate(tree[2], values, text)
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if b == 0:
        raise ExpressionError(f"{text!r}: division by zero ({_show(tree[2])} is 0 here)")
    both_int = isinstance(a, int) and isinstance(b, int)
    if kind == "/":
        if both_int:
            q = abs(a) // abs(b)
            return q if (a >= 0) == (b >= 0) else -q
        return a / b
    if kind == "//":
        return a // b
    # "%": C's remainder, the sign of the dividend
    if both_int:
        r = abs(a) % abs(b)
        return r if a >= 0 else -r
    import math
    return math.fmod(a, b)


def _show(tree) -> str:
    kind = tree[0]
    if kind in ("num", "name"):
        return str(tree[1])
    if kind == "neg":
        return f"-{_show(tree[1])}"
    if kind == "call":
        return f"{tree[1]}({', '.join(_show(a) for a in tree[2])})"
    return f"({_show(tree[1])} {kind} {_show(tree[2])})"
