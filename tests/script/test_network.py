"""The Device option that says which addresses LEON_CSS scripts' sockets may use."""
import pytest

from oakling.script.network import ANY_ADDRESS, ENV, LOOPBACK, network_option


@pytest.mark.parametrize("value, environ, expected", [
    (None, {}, LOOPBACK), (None, {ENV: "any"}, ANY_ADDRESS), (None, {ENV: " "}, LOOPBACK),
    ("loopback", {ENV: "any"}, LOOPBACK), ("any", {}, ANY_ADDRESS),
])
def test_the_keyword_wins_over_the_variable(value, environ, expected):
    assert network_option(value, environ) == expected


def test_a_bad_value_names_where_it_came_from_and_the_choices():
    with pytest.raises(ValueError, match=r"Device\(script_network=...\): expected 'loopback' .* or 'any' .*got 'all'"):
        network_option("all", {})
    with pytest.raises(ValueError, match=f"{ENV}: expected"):
        network_option(None, {ENV: "wide"})
