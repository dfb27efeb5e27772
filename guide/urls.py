from __future__ import annotations

from django.urls import path

from guide import review_views, views

app_name = "guide"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("preview/", views.preview, name="preview"),
    path("preview/<int:revision_id>/", views.preview_revision, name="preview_revision"),
    path("review/", review_views.review_list, name="review_list"),
    path("review/<int:revision_id>/", review_views.review_detail, name="review_detail"),
    path("<slug:slug>/", views.page, name="page"),
]
