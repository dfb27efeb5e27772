# The two commands in the README are `make run` and `make test`; everything else is here
# so that they work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
AXE_VERSION := 4.14.1
AXE := .cache/axe-core/axe.min.js
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/portal
# PORT goes to the server's environment too: with no SITE_URL, the links in emails use it.
DEMO_ENV := DEBUG=1 PORT=$(PORT)

.PHONY: run test test-postgres venv pdf-deps browser-deps screenshots lint migrations-check deploy-check audit otp bench backup restore clean

venv: pdf-deps $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

## Serve the portal on SQLite with the demo content and accounts.
run: venv
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo --intakes 12 --if-empty
	@# Last before the address, so that the accounts (and the name a review is signed
	@# with) are on screen when the server starts.
	$(DEMO_ENV) $(PY) manage.py load_demo
	@echo
	@echo "The portal is at http://127.0.0.1:$(PORT)/  (Ctrl+C to stop)"
	@echo
	@echo "Emails (sign-up links, invitations, password resets) are printed below."
	@echo
	@# The mail queue's worker runs beside the server and stops with it (Ctrl+C ends both).
	$(DEMO_ENV) $(PY) manage.py db_worker --no-reload --interval 2 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

## Every test, browser tests included (DATABASE_URL picks PostgreSQL, default SQLite).
test: venv browser-deps
	$(PY) -m pytest

# Every page type as each role, at 390 and 1280 px, photographed full-page into
# test-artifacts/screenshots/<database>/ and checked by axe-core (zero serious or critical
# violations): the browser tests that photograph pages, test_screenshots.py for the rest.
# The pictures are for a person to look through after a change to the look.
SCREENSHOT_TESTS := $(patsubst %,tests/browser/test_%.py,public patient_pages practitioner \
  appointments check_in urgent_help trends body_map idle_warning guide_admin screenshots)
screenshots: venv browser-deps
	$(PY) -m pytest -m browser -q -p no:cacheprovider $(SCREENSHOT_TESTS)
	@echo "The screenshots are in test-artifacts/screenshots/"

test-postgres:
	DATABASE_URL=$(PG_URL) $(MAKE) test

# WeasyPrint (the intake PDF) lays text out with Pango and HarfBuzz from Debian, and the PDF
# embeds the DejaVu fonts; pip brings only the Python side.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf-deps:
	@{ ldconfig -p | grep -q libpangoft2-1.0.so.0 && ldconfig -p | grep -q libharfbuzz-subset.so.0 \
	  && fc-list | grep -q DejaVuSans.ttf; } || { \
	  echo "Installing Debian's $(PDF_LIBS) for the PDF export"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_LIBS) >/dev/null) \
	  || { echo "Could not install them: run 'apt-get install $(PDF_LIBS)' as root"; exit 1; }; }

# Debian's Chromium (Playwright cannot download its own here) and axe-core from npm. The
# tests launch /usr/bin/chromium by that path, so another chromium on PATH does not count.
browser-deps: $(AXE)
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "Could not install chromium: run 'apt-get install chromium' as root"; exit 1; }; }

$(AXE):
	mkdir -p .cache/axe-core
	cd .cache && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar -xzf axe-core-$(AXE_VERSION).tgz
	cp .cache/package/axe.min.js $(AXE) && rm -rf .cache/package .cache/axe-core-$(AXE_VERSION).tgz

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: venv
	$(PY) manage.py makemigrations --check --dry-run

# Production settings must pass Django's deployment checklist without warnings.
deploy-check: venv
	PORTAL_PRODUCTION=1 SECRET_KEY=deploy-check-$$(date +%s)-a-long-random-looking-secret-value-xyz \
	ALLOWED_HOSTS=clinic.example $(PY) manage.py check --deploy --fail-level WARNING

# Known vulnerabilities in the pinned packages (docs/security.md S12). pip-audit resolves
# requirements.txt and asks PyPI's vulnerability API about each package, so it needs the
# internet; --strict fails the audit if any package could not be checked.
audit: venv
	$(VENV)/bin/pip-audit -r requirements.txt --strict

# Backups of the PostgreSQL database (custom format, restorable with pg_restore).
BACKUP_FILE ?= backups/portal-$(shell date +%Y%m%d-%H%M%S).dump
backup:
	@test -n "$(DATABASE_URL)" || { echo "Set DATABASE_URL to the PostgreSQL database to back up"; exit 2; }
	@mkdir -p $(dir $(BACKUP_FILE))
	pg_dump --format=custom --no-owner --no-privileges --dbname="$(DATABASE_URL)" --file="$(BACKUP_FILE)"
	@echo "Backup written to $(BACKUP_FILE)"

# Restore BACKUP_FILE into RESTORE_URL (an existing, preferably empty, database).
restore:
	@test -n "$(RESTORE_URL)" || { echo "Set RESTORE_URL to the database to restore into"; exit 2; }
	@test -f "$(BACKUP_FILE)" || { echo "Set BACKUP_FILE to an existing backup file"; exit 2; }
	pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error \
	  --dbname="$(RESTORE_URL)" "$(BACKUP_FILE)"
	@echo "Restored $(BACKUP_FILE) into the target database"

# Load test on PostgreSQL: seeds BENCH_INTAKES (default 100,000) intakes into a dedicated
# database, serves the portal with gunicorn and loads it with wrk (bench/run.py says how).
bench: venv
	$(PY) bench/run.py

otp: venv
	@$(DEMO_ENV) $(PY) manage.py demo_otp_code

clean:
	rm -rf $(VENV) .cache staticfiles db.sqlite3
