from __future__ import annotations

from django.urls import path

from apps.ide import views

app_name = "ide"

urlpatterns = [
    path("", views.sketches, name="sketches"),
    path("sketches/<int:sketch_id>/", views.sketch, name="sketch"),
    path("sketches/<int:sketch_id>/save/", views.save, name="save"),
    path("sketches/<int:sketch_id>/outline/", views.outline, name="outline"),
    path("sketches/<int:sketch_id>/fill/", views.fill, name="fill"),
    path("sketches/<int:sketch_id>/examples/", views.add_example, name="add_example"),
    path("examples/<int:example_id>/", views.change_example, name="change_example"),
    path("examples/<int:example_id>/delete/", views.delete_example, name="delete_example"),
    path(
        "sketches/<int:sketch_id>/revisions/<int:number>.py",
        views.revision_text,
        name="revision_text",
    ),
    path(
        "sketches/<int:sketch_id>/revisions/<int:number>/diff/",
        views.revision_diff,
        name="revision_diff",
    ),
    path(
        "sketches/<int:sketch_id>/revisions/<int:number>/restore/",
        views.restore,
        name="restore",
    ),
    path(
        "sketches/<int:sketch_id>/hole-examples/", views.add_hole_example, name="add_hole_example"
    ),
    path(
        "hole-examples/<int:example_id>/",
        views.change_hole_example,
        name="change_hole_example",
    ),
    path(
        "sketches/<int:sketch_id>/doctests/<int:number>/",
        views.change_doctest,
        name="change_doctest",
    ),
    path(
        "hole-examples/<int:example_id>/delete/",
        views.delete_hole_example,
        name="delete_hole_example",
    ),
    path("runs/<int:run_id>/cancel/", views.cancel, name="cancel"),
    path("candidates/<int:candidate_id>/", views.candidate, name="candidate"),
    path("candidates/<int:candidate_id>/accept/", views.accept, name="accept"),
    path("candidates/<int:candidate_id>/reject/", views.reject, name="reject"),
    path("candidates/<int:candidate_id>/refill/", views.refill, name="refill"),
    path("candidates/<int:candidate_id>/review/", views.review, name="review"),
    path("candidates/<int:candidate_id>/run/", views.run_again, name="run_again"),
]
