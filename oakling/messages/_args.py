"""Argument checks shared by the message setters: gen2 (pybind11) rejects wrong types with a TypeError,
and so do we, naming what was expected and what was got."""
import operator
from datetime import timedelta

import numpy as np


def as_int(value, what: str) -> int:
    """An integer argument (bool and NumPy integers accepted, floats rejected as in gen2)."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what}: expected an int, got {type(value).__name__} {value!r}") from None


def as_uint(value, what: str, bits: int = 32) -> int:
    """An unsigned integer argument of the given width (gen2's `unsigned int`, `uint8_t`, ...)."""
    v = as_int(value, what)
    if not 0 <= v < (1 << bits):
        raise ValueError(f"{what}: expected an integer in 0..{(1 << bits) - 1}, got {v}")
    return v


def as_float(value, what: str) -> float:
    """A float argument: numbers (and NumPy scalars), never text, as pybind11 converts them."""
    try:
        if isinstance(value, (str, bytes, bytearray)):
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: expected a float, got {type(value).__name__} {value!r}") from None


def as_bool(value, what: str) -> bool:
    """A bool argument. Like pybind11, numbers and None are accepted by truth value; other types are rejected."""
    if value is True or value is False:
        return value
    if value is None or isinstance(value, (int, float, np.generic)):
        return bool(value)
    raise TypeError(f"{what}: expected a bool, got {type(value).__name__} {value!r}")


def as_enum(enum_cls, value, what: str):
    """An enum member, also accepted as its integer value."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(operator.index(value))
    except (TypeError, ValueError):
        names = ", ".join(m.name for m in enum_cls)
        raise TypeError(f"{what}: expected {enum_cls.__qualname__} ({names}), "
                        f"got {type(value).__name__} {value!r}") from None


def as_microseconds(value, what: str) -> int:
    """A duration given as integer microseconds or as a `datetime.timedelta`."""
    if isinstance(value, timedelta):
        return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    return as_int(value, what)
