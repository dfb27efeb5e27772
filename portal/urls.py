from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views
from portal.admin_site import restrict_admin_site
from portal.forms import QueuedPasswordResetForm

restrict_admin_site(admin.site)

handler400 = views.bad_request

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-step/setup/", views.otp_setup, name="otp_setup"),
    path("accounts/two-step/", views.otp_verify, name="otp_verify"),
    path("accounts/password/", views.password_change, name="password_change"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=QueuedPasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("session/keepalive/", views.keepalive, name="keepalive"),
    path("session/status/", views.session_status, name="session_status"),
    path("guide/", include("guide.urls")),
    path("", include("intake.urls")),
    path("", include("appointments.urls")),
    path("admin/", admin.site.urls),
]
