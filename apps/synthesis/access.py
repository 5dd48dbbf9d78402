"""Runs and candidates, fetched for their sketch's owner or not at all."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404

from apps.synthesis.models import Candidate, Run


def run_for_user(user: AbstractBaseUser | AnonymousUser, run_id: int) -> Run:
    try:
        return Run.objects.select_related("sketch").get(pk=run_id, sketch__owner_id=user.pk)
    except Run.DoesNotExist:
        raise Http404("No such run.") from None


def candidate_for_user(user: AbstractBaseUser | AnonymousUser, candidate_id: int) -> Candidate:
    try:
        return Candidate.objects.select_related("run__sketch", "run__revision").get(
            pk=candidate_id, run__sketch__owner_id=user.pk
        )
    except Candidate.DoesNotExist:
        raise Http404("No such candidate.") from None
