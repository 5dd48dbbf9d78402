"""The fast record builders of inlay.sketch build exactly what the dataclasses themselves build."""

import dataclasses

from inlay.sketch import Function, Hole, Param, Span
from inlay.sketch.examples import Example
from inlay.sketch.records import _function, _hole, _param, _span

SPAN = (1, 4, 2, 0, 30, 52)


def _same_record(built: object, made: object) -> None:
    assert built == made
    assert hash(built) == hash(made)
    assert repr(built) == repr(made)
    assert type(built) is type(made)
    # Every field set, to what the class sets it, as the class declares them today.
    for field in dataclasses.fields(made):  # type: ignore[arg-type]
        assert getattr(built, field.name) == getattr(made, field.name)  # set, and alike


def test_a_span_is_built_as_the_class_builds_it():
    _same_record(_span(*SPAN), Span(*SPAN))


def test_a_hole_is_built_as_the_class_builds_it():
    span = Span(*SPAN)
    params = (Param("xs", "list[int]"),)
    examples = (Example((1,), 2),)
    _same_record(
        _hole("double", "function", "Double it.", params, "int", span, (), examples),
        Hole("double", "function", "Double it.", params, "int", span, (), examples),
    )
    _same_record(
        _hole("double", "inline", "double", params, None, span, (span,)),
        Hole("double", "inline", "double", params, None, span, (span,)),
    )


def test_a_function_is_built_as_the_class_builds_it():
    span = Span(*SPAN)
    _same_record(
        _function("main", (Param("x"),), "int", span), Function("main", (Param("x"),), "int", span)
    )


def test_a_parameter_is_shared_but_equal():
    assert _param("xs", "list[int]") == Param("xs", "list[int]")
    assert _param("xs") is _param("xs")


def test_built_records_stay_frozen():
    span = _span(*SPAN)
    try:
        span.start_line = 3  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        return
    raise AssertionError("a built span could be changed")
