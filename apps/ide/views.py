"""The IDE's pages. On an htmx request a view renders one named partial of the page's template."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from apps.ide.diffs import DiffLine, diff_lines
from apps.ide.examples import example_kinds
from apps.ide.traces import example_views, laid_out, shown
from apps.sketches.access import example_for_user, hole_example_for_user, sketch_for_user
from apps.sketches.demo import NEW_SKETCH
from apps.sketches.models import Example, HoleExample, Revision, Sketch
from apps.synthesis.access import candidate_for_user, run_for_user
from apps.synthesis.models import Candidate, Run
from apps.synthesis.runs import (
    HoleDecision,
    ReviewError,
    RunInProgress,
    give_up_if_stalled,
    run_as_is,
    start_run,
)
from apps.synthesis.runs import accept as accept_candidate
from apps.synthesis.runs import cancel as cancel_run
from apps.synthesis.runs import refill as refill_hole
from apps.synthesis.runs import reject as reject_candidate
from apps.synthesis.runs import review as review_candidate
from inlay.context.facts import GivenExample, TracedCall
from inlay.sketch import Hole, parse_sketch
from inlay.sketch import Sketch as ParsedSketch
from inlay.sketch.docstrings import doctest_lines
from inlay.sketch.examples import ExampleError, parse_arguments, parse_value
from inlay.sketch.limits import sketch_problem, sketch_too_long, too_many_examples
from inlay.sketch.prelude import prelude_needed
from inlay.synthesis.engine import SketchProblem
from inlay.synthesis.reports import show_call, show_value
from lsp import actions

PAGE = "ide/sketch.html"


P = ParamSpec("P")


class UserRequest(HttpRequest):
    """A request to a login_required view: its user is a real account."""

    user: User


def takes_sketch_text(view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """Refuse a posted sketch text Inlay will not read (`inlay.sketch.limits`) before the view
    saves or parses it: 413 (too long) or 400 with the reason, which the page shows (the editor
    keeps the text)."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = args[0]
        assert isinstance(request, HttpRequest)
        text = request.POST.get("text", "")
        if problem := sketch_problem(text):
            status = 413 if sketch_too_long(text) else 400
            return HttpResponse(problem, status=status, content_type="text/plain")
        return view(*args, **kwargs)

    return checked


@login_required
def sketches(request: UserRequest) -> HttpResponse:
    if request.method == "POST":
        name = request.POST.get("name", "").strip() or "Untitled sketch"
        sketch = Sketch.objects.create(owner=request.user, name=name[:200])
        sketch.commit(NEW_SKETCH, "Created")
        return redirect("ide:sketch", sketch_id=sketch.pk)
    owned = Sketch.objects.filter(owner_id=request.user.pk)
    return render(request, "ide/sketches.html", {"sketches": owned})


@login_required
@require_GET
def sketch(request: UserRequest, sketch_id: int) -> HttpResponse:
    sketch = sketch_for_user(request.user, sketch_id)
    return render(request, PAGE, _page_context(sketch))


@login_required
@require_POST
@takes_sketch_text
def save(request: UserRequest, sketch_id: int) -> HttpResponse:
    sketch = sketch_for_user(request.user, sketch_id)
    sketch.commit(request.POST.get("text", ""), "Edited")
    return render(request, f"{PAGE}#saved", _page_context(sketch))


@login_required
@require_POST
@takes_sketch_text
def outline(request: UserRequest, sketch_id: int) -> HttpResponse:
    """The Holes panel for the text in the editor, saved or not (nothing is saved)."""
    sketch = sketch_for_user(request.user, sketch_id)
    text = request.POST.get("text", "")
    return render(request, f"{PAGE}#outline", _page_context(sketch, text=text))


@login_required
@require_POST
@takes_sketch_text
def fill(request: UserRequest, sketch_id: int) -> HttpResponse:
    sketch = sketch_for_user(request.user, sketch_id)
    filler = _filler(request)
    if filler is None:
        return _unknown_filler(request)
    text = request.POST.get("text", "")
    return _started(request, sketch, lambda: start_run(sketch, request.user, text, filler))


def _started(request: UserRequest, sketch: Sketch, start: Callable[[], Run]) -> HttpResponse:
    """The workbench after `start` queued a run (it shows that run), or with why it could not."""
    error, run = None, None
    try:
        run = start()
    except RunInProgress as problem:
        error = str(problem)
    except SketchProblem as problem:
        error = f"Cannot fill this sketch. {problem}"
    except ExampleError as problem:
        error = f"An example is not valid: {problem}"
    context = _page_context(sketch, run=run) | {"fill_error": error}
    return render(request, f"{PAGE}#filled", context)


@login_required
@require_POST
def refill(request: UserRequest, candidate_id: int) -> HttpResponse:
    found = candidate_for_user(request.user, candidate_id)
    sketch = found.run.sketch
    filler = _filler(request)
    if filler is None:
        return _unknown_filler(request)
    hole = request.POST.get("hole", "")
    try:
        return _started(request, sketch, lambda: refill_hole(found, hole, request.user, filler))
    except ReviewError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain")


@login_required
@require_POST
def add_example(request: UserRequest, sketch_id: int) -> HttpResponse:
    sketch = sketch_for_user(request.user, sketch_id)
    args, output = request.POST.get("args", ""), request.POST.get("output", "")
    if full := too_many_examples(sketch.examples.count(), "The entry"):
        errors = {"args": full}
    else:
        errors = _example_errors(args, output)
    if not errors:
        Example.objects.create(sketch=sketch, args=args.strip(), output=output.strip())
        args = output = ""
    context = _page_context(sketch)
    context["new_example"] = {"args": args, "output": output, "errors": errors}
    return render(request, f"{PAGE}#examples", context)


@login_required
@require_POST
def change_example(request: UserRequest, example_id: int) -> HttpResponse:
    example = example_for_user(request.user, example_id)
    args, output = request.POST.get("args", ""), request.POST.get("output", "")
    if errors := _example_errors(args, output):
        # Show the row as the user typed it, with the message; the stored example is untouched.
        typed = {"id": example.pk, "args": args, "output": output, "errors": errors}
        return render(request, f"{PAGE}#examples", _page_context(example.sketch, typed))
    example.args, example.output = args.strip(), output.strip()
    example.save(update_fields=["args", "output"])
    return render(request, f"{PAGE}#examples", _page_context(example.sketch))


@login_required
@require_POST
def delete_example(request: UserRequest, example_id: int) -> HttpResponse:
    example = example_for_user(request.user, example_id)
    sketch = example.sketch
    example.delete()
    return render(request, f"{PAGE}#examples", _page_context(sketch))


@login_required
@require_GET
def revision_text(request: UserRequest, sketch_id: int, number: int) -> HttpResponse:
    revision = _revision(sketch_for_user(request.user, sketch_id), number)
    if revision is None:
        return _no_such_revision()
    return HttpResponse(revision.text, content_type="text/x-python; charset=utf-8")


@login_required
@require_POST
def cancel(request: UserRequest, run_id: int) -> HttpResponse:
    found = run_for_user(request.user, run_id)
    cancel_run(found)
    found.refresh_from_db()
    return render(request, f"{PAGE}#run", {"run": found})


@login_required
@require_GET
def candidate(request: UserRequest, candidate_id: int) -> HttpResponse:
    found = candidate_for_user(request.user, candidate_id)
    return render(request, f"{PAGE}#candidate", _candidate_context(found))


@login_required
@require_POST
def accept(request: UserRequest, candidate_id: int) -> HttpResponse:
    found = candidate_for_user(request.user, candidate_id)
    context = _page_context(found.run.sketch) | _candidate_context(found)
    try:
        revision = accept_candidate(found)
    except ReviewError as error:
        context["review_error"] = str(error)
        return render(request, f"{PAGE}#candidate", context)
    context = _page_context(found.run.sketch) | _candidate_context(found)
    context["accepted_revision"] = revision
    response = render(request, f"{PAGE}#decision", context)
    url = reverse("ide:revision_text", args=[found.run.sketch_id, revision.number])
    return trigger_client_event(response, "inlay:revision", {"url": url})


@login_required
@require_POST
def run_again(request: UserRequest, candidate_id: int) -> HttpResponse:
    """The candidate's fills run as they are, traced, on the current examples; no model."""
    found = candidate_for_user(request.user, candidate_id)
    sketch = found.run.sketch
    return _started(request, sketch, lambda: run_as_is(found, request.user))


@login_required
@require_POST
def review(request: UserRequest, candidate_id: int) -> HttpResponse:
    """The review hole by hole: for each hole its decision, its fill as edited, its reason."""
    found = candidate_for_user(request.user, candidate_id)
    decisions = {}
    for hole in found.fills:
        choice = request.POST.get(f"decision-{hole}", "left")
        if choice not in ("accepted", "rejected", "left"):
            return HttpResponseBadRequest(
                f"Unknown decision {choice!r} for `{hole}`.", content_type="text/plain"
            )
        code = request.POST.get(f"code-{hole}", found.fills[hole])
        reason = request.POST.get(f"reason-{hole}", "")
        decisions[hole] = HoleDecision(choice, code, reason)
    try:
        revision = review_candidate(found, decisions)
    except ReviewError as error:
        # The fills as the user edited them stay in their fields, to mend.
        typed = {hole: decision.code for hole, decision in decisions.items()}
        context = _candidate_context(found, typed) | {"review_error": str(error)}
        return render(request, f"{PAGE}#candidate", context)
    context = _page_context(found.run.sketch) | _candidate_context(found)
    context["accepted_revision"] = revision
    response = render(request, f"{PAGE}#decision", context)
    if revision is None:
        return response
    url = reverse("ide:revision_text", args=[found.run.sketch_id, revision.number])
    return trigger_client_event(response, "inlay:revision", {"url": url})


@login_required
@require_POST
def reject(request: UserRequest, candidate_id: int) -> HttpResponse:
    found = candidate_for_user(request.user, candidate_id)
    reject_candidate(found, request.POST.get("reason", ""))
    return render(request, f"{PAGE}#candidate", _candidate_context(found))


def _filler(request: UserRequest) -> str | None:
    filler = request.POST.get("filler", Run.Filler.AUTO)
    return filler if filler in Run.Filler.values else None


def _unknown_filler(request: UserRequest) -> HttpResponse:
    # The form offers only known fillers: this request was made by hand.
    known = ", ".join(Run.Filler.values)
    filler = request.POST.get("filler")
    return HttpResponseBadRequest(
        f"Unknown filler {filler!r}: choose one of {known}.", content_type="text/plain"
    )


@login_required
@require_POST
@takes_sketch_text
def add_hole_example(request: UserRequest, sketch_id: int) -> HttpResponse:
    """An example for one hole: a doctest line in a function hole's docstring (a new revision,
    after saving what the editor holds), or a stored example of an inline hole."""
    sketch = sketch_for_user(request.user, sketch_id)
    checked = _checked_hole_example(request, sketch, "new")
    if isinstance(checked, HttpResponse):
        return checked
    parsed, hole, given = checked
    if hole.kind == "function":
        call = TracedCall(args=(), literals=(given.args,), result_literal=given.output)
        text = actions.add_example(parsed, hole, hole.signature(), call)
        return _new_revision(request, sketch, text, f"Example for `{hole.name}`")
    HoleExample.objects.create(
        sketch=sketch, description=hole.description, args=given.args, output=given.output
    )
    return render(request, f"{PAGE}#outline", _page_context(sketch))


@login_required
@require_POST
@takes_sketch_text
def change_hole_example(request: UserRequest, example_id: int) -> HttpResponse:
    """A stored example of an inline hole, edited."""
    example = hole_example_for_user(request.user, example_id)
    sketch = example.sketch
    checked = _checked_hole_example(request, sketch, f"stored-{example.pk}")
    if isinstance(checked, HttpResponse):
        return checked
    _, _, given = checked
    example.args, example.output = given.args, given.output
    example.save(update_fields=["args", "output"])
    return render(request, f"{PAGE}#outline", _page_context(sketch))


@login_required
@require_POST
def delete_hole_example(request: UserRequest, example_id: int) -> HttpResponse:
    example = hole_example_for_user(request.user, example_id)
    sketch = example.sketch
    example.delete()
    return render(request, f"{PAGE}#outline", _page_context(sketch))


@login_required
@require_POST
@takes_sketch_text
def change_doctest(request: UserRequest, sketch_id: int, number: int) -> HttpResponse:
    """A function hole's doctest example, edited (or, with `delete`, removed) in a new
    revision: its doctest lines are its examples."""
    sketch = sketch_for_user(request.user, sketch_id)
    form = f"doctest-{number}"
    checked = (
        _hole_in_head(request, sketch, form)
        if "delete" in request.POST
        else _checked_hole_example(request, sketch, form)
    )
    if isinstance(checked, HttpResponse):
        return checked
    parsed, hole, replacement = checked
    try:
        text = actions.change_example(parsed, hole, number, replacement)
    except actions.ActionError as error:
        return _hole_example_refused(request, sketch, form, {"hole": str(error)})
    message = f"Example of `{hole.name}` {'changed' if replacement else 'removed'}"
    return _new_revision(request, sketch, text, message)


def _hole_in_head(
    request: UserRequest, sketch: Sketch, form: str
) -> tuple[ParsedSketch, Hole, None] | HttpResponse:
    """The hole the form names, in the sketch as the editor holds it (saved first)."""
    if "text" in request.POST:
        sketch.commit(request.POST["text"], "Edited")
    name = request.POST.get("hole", "")
    parsed = parse_sketch(sketch.head().text)
    hole = next((each for each in parsed.holes if each.name == name), None)
    if hole is None:
        errors = {"hole": f"The sketch has no hole `{name}` now: save it and try again."}
        return _hole_example_refused(request, sketch, form, errors)
    return parsed, hole, None


def _checked_hole_example(
    request: UserRequest, sketch: Sketch, form: str
) -> tuple[ParsedSketch, Hole, GivenExample] | HttpResponse:
    """The hole and the example the form holds, or the Holes panel again with what was
    wrong shown in `form` (`new`, `stored-<id>`, `doctest-<n>`)."""
    found = _hole_in_head(request, sketch, form)
    if isinstance(found, HttpResponse):
        return found
    parsed, hole, _ = found
    args, output = request.POST.get("args", "").strip(), request.POST.get("output", "").strip()
    count = len(hole.examples) + len(sketch.stored_hole_examples([hole]).get(hole.name, []))
    full = too_many_examples(count, f"`{hole.name}`") if form == "new" else None
    errors = {"hole": full} if full else _example_errors(args, output)
    errors = errors or _hole_arity_error(hole, args)
    if errors:
        return _hole_example_refused(request, sketch, form, errors, args, output)
    return parsed, hole, GivenExample(args, output)


def _hole_example_refused(
    request: UserRequest,
    sketch: Sketch,
    form: str,
    errors: dict[str, str],
    args: str = "",
    output: str = "",
) -> HttpResponse:
    hole = request.POST.get("hole", "")
    typed = {"hole": hole, "form": form, "args": args, "output": output, "errors": errors}
    return render(request, f"{PAGE}#outline", _page_context(sketch) | {"typed_hole_example": typed})


def _new_revision(request: UserRequest, sketch: Sketch, text: str, message: str) -> HttpResponse:
    """The Holes panel after committing `text`; the editor reloads the new revision."""
    revision = sketch.commit(text, message)
    response = render(request, f"{PAGE}#outline", _page_context(sketch))
    url = reverse("ide:revision_text", args=[sketch.pk, revision.number])
    return trigger_client_event(response, "inlay:revision", {"url": url})


def _hole_arity_error(hole: Hole, args: str) -> dict[str, str]:
    given, takes = len(parse_arguments(args)), len(hole.params)
    if given == takes:
        return {}
    return {"args": f"`{hole.name}` takes {takes} argument{'s' * (takes != 1)}; these are {given}."}


@login_required
@require_GET
def revision_diff(request: UserRequest, sketch_id: int, number: int) -> HttpResponse:
    sketch = sketch_for_user(request.user, sketch_id)
    revision = _revision(sketch, number)
    if revision is None:
        return _no_such_revision()
    context = {"sketch": sketch, "revision": revision, "diff": _changes(revision)}
    return render(request, f"{PAGE}#revision", context)


@login_required
@require_POST
def restore(request: UserRequest, sketch_id: int, number: int) -> HttpResponse:
    """The revision's text as a new revision: a restore is undone by restoring the one before."""
    sketch = sketch_for_user(request.user, sketch_id)
    revision = _revision(sketch, number)
    if revision is None:
        return _no_such_revision()
    restored = sketch.commit(revision.text, f"Restored r{revision.number}")
    context = _page_context(sketch) | {"revision": restored, "diff": _changes(restored)}
    response = render(request, f"{PAGE}#restored", context)
    url = reverse("ide:revision_text", args=[sketch.pk, restored.number])
    return trigger_client_event(response, "inlay:revision", {"url": url})


def _revision(sketch: Sketch, number: int) -> Revision | None:
    return sketch.revisions.filter(number=number).select_related("parent").first()


def _no_such_revision() -> HttpResponse:
    return HttpResponse("No such revision.", status=404, content_type="text/plain")


def _changes(revision: Revision) -> list[DiffLine]:
    """The revision's diff against the one before it (the first: against nothing)."""
    before = revision.parent.text if revision.parent is not None else ""
    return diff_lines(before, revision.text)


def _example_errors(args: str, output: str) -> dict[str, str]:
    errors = {}
    try:
        parse_arguments(args)
    except ExampleError as error:
        errors["args"] = str(error)
    try:
        parse_value(output)
    except ExampleError as error:
        errors["output"] = str(error)
    return errors


def _page_context(
    sketch: Sketch,
    typed: dict[str, object] | None = None,
    run: Run | None = None,
    text: str | None = None,
) -> dict[str, object]:
    """Everything the page's partials show; `typed` is an example row to show as the user
    typed it (with its errors) instead of as stored; `run` the run to show live (by default
    the latest); `text` the sketch's text as the editor holds it (by default the head's)."""
    head = sketch.head()
    text = head.text if text is None else text
    parsed = parse_sketch(text)
    stored = list(sketch.examples.all())
    examples = example_kinds(parsed, stored)
    rows = [
        {
            "id": e.pk,
            "args": laid_out(e.args),
            "output": laid_out(e.output),
            "kind": examples.kinds.get(e.pk, ""),
            "grids": [shown(e.args.strip(), None), shown(e.output.strip(), None)],
        }
        for e in stored
    ]
    if typed is not None:
        rows = [typed if row["id"] == typed["id"] else row for row in rows]
    live = run or _latest_run(sketch)
    return {
        "sketch": sketch,
        "head": head,
        "parsed": parsed,
        "prelude": prelude_needed(text),
        "example_rows": rows,
        "example_problem": examples.problem,
        "fillers": Run.Filler.choices,
        "revisions": list(sketch.revisions.all()[:20]),
        "hole_rows": _hole_rows(sketch, parsed),
        "run": live,
        # The shown run is live above them; the others are ended (one run at a time).
        "earlier_runs": [each for each in sketch.runs.all()[:11] if each != live][:10],
    }


def _hole_rows(sketch: Sketch, parsed: ParsedSketch) -> list[dict[str, object]]:
    """Each hole with its own examples, each with the URLs that edit and delete it: a function
    hole's doctest lines (other examples its docstring states are edited there), an inline
    hole's stored ones."""
    stored = sketch.stored_hole_examples(parsed.holes)
    rows = []
    for hole in parsed.holes:
        examples: list[dict[str, object]] = []
        if hole.kind == "function":
            doctests = [e for e, _, _ in doctest_lines(hole.name, hole.description)]
            for example in hole.examples:
                row: dict[str, object] = {
                    "call": show_call(hole.name, example.args),
                    "output": show_value(example.output),
                }
                if example in doctests:
                    number = doctests.index(example)
                    url = reverse("ide:change_doctest", args=[sketch.pk, number])
                    args = ", ".join(map(repr, example.args))
                    row |= _editable(f"doctest-{number}", args, repr(example.output), url, url)
                examples.append(row)
        else:
            for stored_example in stored.get(hole.name, []):
                args, output = stored_example.args, stored_example.output
                change = reverse("ide:change_hole_example", args=[stored_example.pk])
                delete = reverse("ide:delete_hole_example", args=[stored_example.pk])
                row = {"call": f"{hole.name}({args})", "output": output}
                examples.append(
                    row | _editable(f"stored-{stored_example.pk}", args, output, change, delete)
                )
        rows.append({"hole": hole, "examples": examples})
    return rows


def _editable(form: str, args: str, output: str, change: str, delete: str) -> dict[str, object]:
    """What an example's edit form starts from, grids laid out one row a line."""
    args, output = laid_out(args), laid_out(output)
    grid = "\n" in args or "\n" in output
    return {"form": form, "args": args, "value": output, "grid": grid} | {
        "change_url": change,
        "delete_url": delete,
    }


def _latest_run(sketch: Sketch) -> Run | None:
    run = sketch.runs.first()
    if run is not None and give_up_if_stalled(run):
        run.refresh_from_db()
    return run


def _candidate_context(found: Candidate, typed: dict[str, str] | None = None) -> dict[str, object]:
    """`typed`: fills as the user edited them, shown instead of the candidate's."""
    holes = list(found.fills)
    authors = dict(found.authors)
    reviews = [
        {
            "hole": hole,
            "code": (typed or {}).get(hole, code),
            "author": authors.get(hole, ""),
            "taken": found.hole_decisions.get(hole),
        }
        for hole, code in found.fills.items()
    ]
    return {
        "hole_reviews": reviews,
        "sketch": found.run.sketch,
        "candidate": found,
        "diff": diff_lines(found.run.revision.text, found.text),
        "traces": example_views(found.results, found.trace, holes),
        "refillable": holes,
    }
