import pytest

from inlay.sketch.examples import ExampleError, parse_arguments, parse_value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[1, 2]", [1, 2]),
        ("(1, 'a')", (1, "a")),
        ("{1, 2}", {1, 2}),
        ("true", True),
        ("null", None),
        ('{"a": [1.5]}', {"a": [1.5]}),
    ],
)
def test_values_are_python_literals_or_json(text, value):
    assert parse_value(text) == value


def test_arguments_are_written_as_in_the_call():
    assert parse_arguments("[1, 2]") == ([1, 2],)
    assert parse_arguments("1, 'x'") == (1, "x")
    assert parse_arguments("") == ()
    assert parse_arguments("true, null") == (True, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [("[1, 2", "never closed"), ("os.getcwd()", "Only literal values"), ("", "required")],
)
def test_a_bad_value_gets_a_specific_message(text, message):
    with pytest.raises(ExampleError, match=message):
        parse_value(text)
