from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views import defaults

from inlay.sketch.limits import MAX_SKETCH_CHARS

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("apps.ide.urls")),
]


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE says so in words the page shows; any other bad
    request gets Django's page."""
    if isinstance(exception, RequestDataTooBig):
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20
        return HttpResponse(
            f"This request is larger than the {megabytes:g} MB Inlay takes, so nothing was "
            f"saved: the text is still in the editor. A sketch may have at most "
            f"{MAX_SKETCH_CHARS:,} characters.",
            status=413,
            content_type="text/plain",
        )
    return defaults.bad_request(request, exception)


handler400 = bad_request
