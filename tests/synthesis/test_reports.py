"""What a repair prompt says of the other holes' traced calls."""

from __future__ import annotations

from inlay.synthesis.reports import traced_calls


def test_a_traced_call_whose_values_have_no_literal_is_shown_abbreviated():
    # Found by bench/darc.py: a grid too large for a literal has `literals: null`, which ended
    # the whole fill with a TypeError.
    traced = {
        "holes": {
            "crop": {
                "traced": [
                    {
                        "args": ["ndarray int64 (30, 30)"],
                        "result": "ndarray int64 (3, 3)",
                        "literals": None,
                        "result_literal": None,
                        "example": 0,
                        "error": None,
                    }
                ]
            }
        }
    }
    said = traced_calls(traced, 0, ["crop"])
    assert "- `crop(ndarray int64 (30, 30))` gave `ndarray int64 (3, 3)`" in said
