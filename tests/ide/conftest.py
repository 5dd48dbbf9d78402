from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client


@pytest.fixture
def owner(user: User) -> Client:
    """A client logged in as the owner of the test's sketches."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stranger(db: None) -> Client:
    """A client logged in as somebody who owns nothing here."""
    client = Client()
    client.force_login(User.objects.create_user("eve", password="another password"))
    return client
