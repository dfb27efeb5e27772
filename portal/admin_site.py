"""The Django admin is for guide editors and clinic admins only, after a second factor."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from portal import roles


def restrict_admin_site(site: AdminSite) -> None:
    site.site_header = "Clinic administration"
    site.site_title = "Clinic administration"

    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        return roles.is_admin(user) and user.is_verified()

    def login(request: HttpRequest, extra_context=None):
        if request.user.is_authenticated:
            # Signed in but not an admin: sending them to sign in again would loop.
            raise PermissionDenied
        # One sign-in page for everybody, with lockout and the second factor.
        target = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': target})}")

    site.has_permission = has_permission
    site.login = login
