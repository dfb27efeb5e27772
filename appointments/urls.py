from __future__ import annotations

from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    path("practice/appointments/", views.board, name="board"),
    path("practice/appointments/new/", views.new, name="new"),
    path("practice/appointments/import/", views.import_file, name="import"),
    path(
        "practice/appointments/import/template.csv",
        views.import_template,
        name="import_template",
    ),
    path("practice/appointments/<int:pk>/move/", views.move, name="move"),
    path("practice/appointments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("practice/appointments/<int:pk>/mark/", views.mark, name="mark"),
    path("practice/appointments/<int:pk>/send-again/", views.send_again, name="send_again"),
    path("reminders/stop/<str:token>/", views.stop_reminders, name="stop_reminders"),
]
