"""The size-expression language: what it computes, and how it says what is wrong."""
import pytest

from oakling.kernels.expressions import ExpressionError, parse

SIZES = {"I.X": 1920, "I.Y": 1080, "I.F": 3, "O1.X": 7, "src.X": 640, "scale": 0.5}


@pytest.mark.parametrize("text, value", [
    ("16", 16),
    ("2.5", 2.5),
    ("I.X", 1920),
    ("I.X * I.F", 5760),
    ("(I.X * I.F + 15) / 16", 360),
    ("I.X + I.Y * 2", 1920 + 2160),
    ("(I.X + I.Y) * 2", 6000),
    ("7 / 2", 3),                  # C's integer division
    ("-7 / 2", -3),                # rounds towards zero, as C
    ("-7 // 2", -4),               # rounds down
    ("7 % 3", 1),
    ("-7 % 3", -1),                # the dividend's sign, as C
    ("7.0 / 2", 3.5),
    ("I.X * scale", 960.0),
    ("-I.Y", -1080),
    ("+3", 3),
    ("- -3", 3),
    ("min(I.X, I.Y)", 1080),
    ("max(I.X / 16, 1, src.X)", 640),
    ("min(O1.X, 8) * 2", 14),
    ("  I.X  ", 1920),
    (640, 640),
    (0.25, 0.25),
])
def test_values(text, value):
    result = parse(text).evaluate(SIZES)
    assert result == value and type(result) is type(value)


def test_names_are_what_it_reads():
    assert parse("max(I.X, src.X) / O1.Y + 3").names == {"I.X", "src.X", "O1.Y"}
    assert parse("12 * 3").constant


def test_the_text_is_kept_for_the_schema():
    assert parse(" (I.X + 1) / 2 ").text == "(I.X + 1) / 2"
    assert parse(3).text == "3"


@pytest.mark.parametrize("text, message", [
    ("", "an empty expression"),
    ("I.X +", "expected a number, a name or '(' at column 6, got the end"),
    ("(I.X + 1", "expected ')' at column 9, got the end"),
    ("I.X 2", "expected an operator or the end at column 5, got '2'"),
    ("I.X ** 2", "expected a number, a name or '(' at column 6, got '*'"),
    ("I.X ^ 2", "unexpected '^' at column 5"),
    ("sqrt(4)", "no function sqrt()"),
    ("min(1 2)", "expected ',' or ')' at column 7"),
    ("__import__('os')", "unexpected \"'\" at column 12"),
])
def test_mistakes_name_the_column(text, message):
    with pytest.raises(ExpressionError, match=None) as e:
        parse(text)
    assert message in str(e.value)


def test_a_value_that_is_not_given_is_named_with_the_known_ones():
    with pytest.raises(ExpressionError, match=r"'I1.X \+ 1': I1.X is not known here — the names known are I.X, I.Y"):
        parse("I1.X + 1").evaluate({"I.X": 1, "I.Y": 2})


@pytest.mark.parametrize("text", ["I.X / (I.Y - I.Y)", "5 % 0", "5 // 0"])
def test_division_by_zero_is_an_expression_error(text):
    with pytest.raises(ExpressionError, match="division by zero"):
        parse(text).evaluate(SIZES)


@pytest.mark.parametrize("value", [True, None, [1], object()])
def test_only_numbers_and_text_are_expressions(value):
    with pytest.raises(ExpressionError):
        parse(value)


def test_equal_expressions_are_equal_however_spaced():
    assert parse("I.X*2") == parse(" I.X * 2 ") and hash(parse("I.X*2")) == hash(parse("I.X * 2"))
    assert parse("I.X*2") != parse("I.X*3")
