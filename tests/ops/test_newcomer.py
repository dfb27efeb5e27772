"""What someone running the portal for the first time meets: `make run` on a port of their
choice with emailed links that open it, a console where the printed emails are easy to find,
and the demo accounts with the name a review is signed with."""

from __future__ import annotations

import logging
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from portal.log_filters import QuietStaticFiles
from tests.helpers import start_settings

ROOT = Path(__file__).resolve().parents[2]


def test_emailed_links_follow_the_port_when_no_site_url_is_set():
    result = start_settings("settings.SITE_URL", PORT="8123")
    assert result.stdout.strip() == "http://127.0.0.1:8123"


def test_an_explicit_site_url_wins_over_the_port():
    result = start_settings("settings.SITE_URL", PORT="8123", SITE_URL="https://clinic.example/")
    assert result.stdout.strip() == "https://clinic.example"


def test_without_either_the_links_use_port_8000():
    assert start_settings("settings.SITE_URL").stdout.strip() == "http://127.0.0.1:8000"


def test_make_run_passes_its_port_to_the_server_and_the_settings():
    # A dry run prints the recipe without running it.
    dry = subprocess.run(
        ["make", "-n", "-W", ".venv/.installed", "run", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    server = [line for line in dry.stdout.splitlines() if "runserver" in line]
    assert server, dry.stdout + dry.stderr
    assert "PORT=8123" in server[0]
    assert "runserver 127.0.0.1:8123" in server[0]


def server_line(request_line: str, status: str) -> logging.LogRecord:
    """A record as runserver's request handler logs it."""
    return logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s', (request_line, status, "12"), None
    )


@pytest.mark.parametrize(
    ("request_line", "status", "printed"),
    [
        ("GET /static/css/portal.css HTTP/1.1", "200", False),
        ("GET /static/js/intake-wizard.js HTTP/1.1", "304", False),
        # A missing file is worth seeing, and so is every page.
        ("GET /static/css/missing.css HTTP/1.1", "404", True),
        ("GET /guide/ HTTP/1.1", "200", True),
        ("POST /intakes/3/steps/about/ HTTP/1.1", "302", True),
    ],
)
def test_the_development_server_log_leaves_out_static_files(request_line, status, printed):
    assert QuietStaticFiles().filter(server_line(request_line, status)) is printed


def test_the_filter_is_on_the_development_servers_logger(settings):
    assert "quiet_static" in settings.LOGGING["loggers"]["django.server"]["filters"]
    handler = logging.getLogger("django.server").handlers[0]
    assert any(isinstance(f, QuietStaticFiles) for f in logging.getLogger("django.server").filters)
    assert isinstance(handler, logging.StreamHandler)


def test_readme_documents_the_port_and_the_practitioners_signature():
    readme = (ROOT / "README.md").read_text()
    assert "make run PORT=8080" in readme
    assert "| `PORT` |" in readme
    assert "`http://127.0.0.1:$PORT`" in readme
    assert "Dr Lin Demo" in readme


@pytest.mark.django_db
def test_load_demo_which_make_run_prints_last_names_the_signature():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "signs reviews as: Dr Lin Demo" in out.getvalue()
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    # The account list is the last thing printed before the server's address.
    assert recipe.index("load_demo") > recipe.index("seed_demo")
