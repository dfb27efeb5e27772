"""The intake summary as a PDF: its text read back against the intake, paper sizes, embedded
fonts, accessibility tags, nothing fetched from outside while rendering, and the download."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from intake import pdf
from intake.models import Intake
from portal.models import AuditEvent
from tests.helpers import EXPORT_ANSWERS, review_data, sign_in, submitted_intake


@pytest.fixture
def submitted(client, practitioner) -> Intake:
    return submitted_intake(client, practitioner, EXPORT_ANSWERS, "harriet@example.com")


def download(practitioner, intake: Intake, query: str = ""):
    client = sign_in(Client(), practitioner)
    return client.get(reverse("intake:intake_pdf", args=[intake.pk]) + query)


def text_of(body: bytes) -> str:
    reader = PdfReader(BytesIO(body))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_pdf_holds_the_flags_first_then_the_answers_marked_patient_reported(
    practitioner, submitted
):
    response = download(practitioner, submitted)

    text = text_of(response.content)
    flags = list(submitted.current_run().flags.all())
    assert flags
    for flag in flags:
        assert flag.title in text
        assert f"Rule {flag.rule}" in text
    assert "Harriet Quill-Nguyễn" in text
    assert "Patient-reported" in text
    for answer in (
        "Eliquis 5mg (5 mg, twice daily, for blood pressure)",
        "Zyntrex",
        "penicillin",
        "14 March 1961",
        "Aching lower back for over a year",
        "Sam Quill",
    ):
        assert answer in text, answer
    assert text.index("Safety flags") < text.index("Answers") < text.index("Practitioner review")
    assert "No review yet." in text


def test_the_pdf_holds_the_review(practitioner, practitioner_client, submitted):
    practitioner_client.post(reverse("intake:review", args=[submitted.pk]), review_data(submitted))

    text = text_of(download(practitioner, submitted).content)

    assert "Cleared with modifications" in text
    assert "No electroacupuncture" in text
    assert "Dr Lin Wei (prac@example.com)" in text
    assert "Reported by the patient; reviewed by Dr Lin Wei" in text


@pytest.mark.parametrize(("query", "width", "height"), [("", 595, 842), ("?size=letter", 612, 792)])
def test_it_comes_in_a4_and_us_letter(practitioner, submitted, query, width, height):
    reader = PdfReader(BytesIO(download(practitioner, submitted, query).content))

    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
            width,
            height,
        )


def test_its_fonts_are_embedded_and_it_is_tagged(practitioner, submitted):
    reader = PdfReader(BytesIO(download(practitioner, submitted).content))

    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[font["/BaseFont"]] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert reader.metadata.title.startswith(f"Intake {submitted.pk}")


class Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red; }")

    def log_message(self, *args) -> None:
        pass


def test_nothing_outside_the_portal_is_fetched_while_rendering():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    outside = f"http://127.0.0.1:{server.server_port}"
    Counter.hits = []
    try:
        body = pdf.render_html(
            f'<html lang="en"><head><title>t</title>'
            f'<link rel="stylesheet" href="{outside}/style.css"></head>'
            f'<body><img src="{outside}/image.png" alt="x"><p>Text</p>'
            f'<img src="file:///etc/hostname" alt="y"></body></html>'
        )
    finally:
        server.shutdown()
        server.server_close()

    assert Counter.hits == []
    assert "Text" in text_of(body)


def test_the_portal_stylesheet_is_read_from_disk(settings, monkeypatch):
    fetched = []
    original = pdf.LocalFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.LocalFetcher, "fetch", spy)
    body = pdf.render_html(
        '<html lang="en"><head><title>t</title>'
        f'<link rel="stylesheet" href="/{settings.STATIC_URL.strip("/")}/css/pdf.css"></head>'
        "<body><h1>Heading</h1></body></html>"
    )

    assert fetched == [f"{settings.SITE_URL}/static/css/pdf.css"]
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(BytesIO(body)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("DejaVu-Sans-Bold" in name for name in fonts)  # the stylesheet's h1 applied


def test_the_download_is_audited_not_stored_and_named_by_number(practitioner, submitted):
    response = download(practitioner, submitted, "?size=letter")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="intake-{submitted.pk}-letter.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(
        actor=practitioner, action="export", object_id=str(submitted.pk)
    ).exists()


def test_an_unknown_paper_size_is_refused_without_an_export(practitioner, submitted):
    response = download(practitioner, submitted, "?size=a3")

    assert response.status_code == 400
    assert b"size=a4 or size=letter" in response.content
    assert not AuditEvent.objects.filter(action="export").exists()


def test_only_practitioners_download_the_pdf(admin_user, submitted):
    url = reverse("intake:intake_pdf", args=[submitted.pk])

    assert Client().get(url).status_code == 302
    assert sign_in(Client(), submitted.patient).get(url).status_code == 403
    assert sign_in(Client(), admin_user).get(url).status_code == 403


def test_the_intake_page_offers_both_downloads(practitioner_client, submitted):
    response = practitioner_client.get(reverse("intake:intake_detail", args=[submitted.pk]))

    body = response.content.decode()
    assert f'href="/practice/intakes/{submitted.pk}/fhir.json" download>FHIR bundle</a>' in body
    assert f'href="/practice/intakes/{submitted.pk}/summary.pdf" download>PDF</a>' in body
