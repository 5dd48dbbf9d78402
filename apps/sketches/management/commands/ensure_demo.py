"""Create the demo account and its demo sketch, once: running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.sketches.demo import DEMO_EXAMPLES, DEMO_NAME, DEMO_SKETCH
from apps.sketches.models import Example, Sketch


class Command(BaseCommand):
    help = "Create the demo account and demo sketch if they do not exist."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(
                username=settings.INLAY_DEMO_USERNAME
            )
            if created:
                user.set_password(settings.INLAY_DEMO_PASSWORD)
                user.save()
            if not Sketch.objects.filter(owner=user, name=DEMO_NAME).exists():
                sketch = Sketch.objects.create(owner=user, name=DEMO_NAME)
                sketch.commit(DEMO_SKETCH, "Created")
                for arguments, output in DEMO_EXAMPLES:
                    Example.objects.create(sketch=sketch, args=arguments, output=output)
                self.stdout.write(f"Created the demo sketch {DEMO_NAME!r}.")
