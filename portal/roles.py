"""The three roles, kept as groups, and the checks views use.

Patients are ordinary users. Practitioners and admins are staff and must pass a second
factor (see portal.middleware.SecondFactorMiddleware) before any staff page opens.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse

PATIENT = "patient"
PRACTITIONER = "practitioner"
ADMIN = "admin"

# Permissions each group holds, exactly: sync_groups (run after every migrate) adds what is
# missing and takes away anything else. Django's permissions are what its admin checks, and
# only admins use the admin: patients and practitioners hold none, and the views check
# their role (the group) with patient_required and practitioner_required below.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    PATIENT: [],
    PRACTITIONER: [],
    ADMIN: [
        "guide.add_page",
        "guide.change_page",
        "guide.view_page",
        "guide.view_pagerevision",
        "intake.add_consenttext",
        "intake.change_consenttext",
        "intake.view_consenttext",
        # Outgoing email: delivery problems are seen, and failed emails sent again, here.
        "outbox.change_email",
        "outbox.view_email",
        "portal.add_user",
        "portal.change_user",
        "portal.view_user",
    ],
}


def _group_names(user) -> set[str]:
    """The names of the user's groups, read from the database: asked once per request (the
    user object is the request's), never kept longer, so a user taken out of a group loses
    its pages on the next request. Written in SQL: every staff page asks, and compiling the
    ORM's version of this join took 0.3 ms of CPU, more than running it."""
    through = user._meta.get_field("groups").remote_field.through._meta
    group = through.get_field("group").related_model._meta
    quote = connection.ops.quote_name
    sql = (
        f"SELECT g.{quote(group.get_field('name').column)} FROM {quote(group.db_table)} g"  # noqa: S608 (names from the models, the id as a parameter)
        f" JOIN {quote(through.db_table)} ug"
        f" ON ug.{quote(through.get_field('group').column)} = g.{quote(group.pk.column)}"
        f" WHERE ug.{quote(through.get_field('user').column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return {name for (name,) in cursor.fetchall()}


def _in_group(user, name: str) -> bool:
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_role_names", None)
    if cache is None:
        cache = user._role_names = _group_names(user)
    return name in cache


def is_practitioner(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff) and _in_group(
        user, PRACTITIONER
    )


def is_admin(user) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or _in_group(user, ADMIN)


def is_patient(user) -> bool:
    """Anyone signed in who is not staff uses the patient side."""
    return bool(user.is_authenticated and user.is_active and not user.is_staff)


def role_required(check: Callable[[object], bool]) -> Callable:
    """Anonymous users go to the login page; signed-in users without the role get a 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


patient_required = role_required(is_patient)
# Patients' intakes are for the practitioners who treat them. Admins edit the guide and the
# consent text and manage accounts (docs/security.md S2): no intake is theirs to read or
# sign, unless the same person is a practitioner too (in both groups).
practitioner_required = role_required(is_practitioner)
admin_required = role_required(is_admin)


def sync_groups(sender=None, *, using: str = "default", verbosity: int = 1, **kwargs) -> None:
    """Create the three role groups and give each exactly its permissions (idempotent).

    Connected to post_migrate, which is sent once per app in INSTALLED_APPS order. Django
    creates an app's permissions in that app's own post_migrate handler, so when this runs
    for `portal`, the permissions of apps listed later (guide, intake) do not exist yet.
    They are created here first, for every app; creating them twice is harmless."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    if sender is not None and sender.name != "portal":
        return
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, interactive=False, using=using)
    for name, perm_names in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        perms = []
        for dotted in perm_names:
            app_label, codename = dotted.split(".")
            perm = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if perm is None:
                # A name in GROUP_PERMISSIONS that no model provides is a typo, not a
                # permission to skip quietly: the role would lose it without anyone noticing.
                raise LookupError(f"permission {dotted} does not exist")
            perms.append(perm)
        group.permissions.set(perms)
