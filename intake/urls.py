from __future__ import annotations

from django.urls import path

from intake import export_views, patient_views, practitioner_views

app_name = "intake"

urlpatterns = [
    # Patients. Medication suggestions come from a <datalist> in the page, so no
    # suggestion endpoint is needed (and nothing typed travels in a URL).
    path("intake/start/", patient_views.start, name="start"),
    path("intake/register/", patient_views.register, name="register"),
    path("invite/<str:token>/", patient_views.accept_invitation, name="accept_invitation"),
    path("intake/", patient_views.my_intake, name="my_intake"),
    path("intake/<int:pk>/step/<slug:step>/", patient_views.step, name="step"),
    path("intake/<int:pk>/review/", patient_views.review_answers, name="review_answers"),
    path("intake/<int:pk>/submit/", patient_views.submit, name="submit"),
    path("intake/<int:pk>/", patient_views.submitted, name="submitted"),
    # Practitioners
    path("practice/", practitioner_views.dashboard, name="dashboard"),
    path("practice/adverse-events/", practitioner_views.adverse_events, name="adverse_events"),
    path("practice/sources/", practitioner_views.sources, name="sources"),
    path("practice/invitations/new/", practitioner_views.new_invitation, name="new_invitation"),
    path("practice/patients/<int:pk>/", practitioner_views.patient_detail, name="patient_detail"),
    path("practice/intakes/<int:pk>/", practitioner_views.intake_detail, name="intake_detail"),
    path("practice/intakes/<int:pk>/print/", practitioner_views.intake_print, name="intake_print"),
    path(
        "practice/intakes/<int:pk>/export.json",
        practitioner_views.intake_export,
        name="intake_export",
    ),
    path("practice/intakes/<int:pk>/fhir.json", export_views.intake_fhir, name="intake_fhir"),
    path(
        "practice/intakes/<int:pk>/fhir-push/",
        export_views.intake_fhir_push_again,
        name="intake_fhir_push_again",
    ),
    path("practice/intakes/<int:pk>/summary.pdf", export_views.intake_pdf, name="intake_pdf"),
    path(
        "practice/intakes/<int:pk>/screening.json",
        practitioner_views.intake_screening_export,
        name="intake_screening_export",
    ),
    path(
        "practice/intakes/<int:pk>/review.json",
        practitioner_views.intake_review_export,
        name="intake_review_export",
    ),
    path("practice/intakes/<int:pk>/review/", practitioner_views.review, name="review"),
    path("practice/intakes/<int:pk>/rescreen/", practitioner_views.rescreen, name="rescreen"),
]
