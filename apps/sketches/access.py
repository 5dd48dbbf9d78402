"""Every sketch a request touches is fetched here, for its owner, or not at all."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404

from apps.sketches.models import Example, HoleExample, Sketch


def sketch_for_user(user: AbstractBaseUser | AnonymousUser, sketch_id: int) -> Sketch:
    try:
        return Sketch.objects.get(pk=sketch_id, owner_id=user.pk)
    except Sketch.DoesNotExist:
        raise Http404("No such sketch.") from None


def example_for_user(user: AbstractBaseUser | AnonymousUser, example_id: int) -> Example:
    try:
        return Example.objects.select_related("sketch").get(pk=example_id, sketch__owner_id=user.pk)
    except Example.DoesNotExist:
        raise Http404("No such example.") from None


def hole_example_for_user(user: AbstractBaseUser | AnonymousUser, example_id: int) -> HoleExample:
    try:
        return HoleExample.objects.select_related("sketch").get(
            pk=example_id, sketch__owner_id=user.pk
        )
    except HoleExample.DoesNotExist:
        raise Http404("No such example.") from None
