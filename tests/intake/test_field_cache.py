"""The wizard's cached crispy shells (intake/field_cache.py) and body map draw exactly what
crispy and the template draw, and never show one patient's answers to another."""

from __future__ import annotations

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from crispy_forms.utils import render_crispy_form
from django.template.loader import render_to_string
from django.test import Client

from intake import field_cache, steps
from intake.body_map import body_map_html, body_map_views
from intake.field_cache import field_html, form_html, option_html, tick_list_html
from tests.factories import IntakeFactory, ScoredCheckInFactory, SubmittedIntakeFactory
from tests.helpers import CHECK_IN_VALID, VALID, sign_in, step_url

pytestmark = pytest.mark.django_db

ABOUT_DONE = {"about": {**VALID["about"], "date_of_birth": "1961-03-14"}}


def pairs(step, data):
    """Two fresh forms of the step with the same data: one for crispy, one for the cache."""
    intake = IntakeFactory(answers=ABOUT_DONE, completed_steps=["about"])
    return step.make_form(intake, data), step.make_form(intake, data)


@pytest.mark.parametrize("step", steps.FORM_STEPS, ids=lambda s: s.identifier)
@pytest.mark.parametrize("bound", [False, True], ids=["empty", "answered"])
def test_every_field_is_drawn_as_crispy_draws_it(step, bound):
    data = VALID.get(step.identifier) if bound else None
    for _ in range(2):  # the second time from the cached shells
        crispy_form, cached_form = pairs(step, data)
        if bound:
            crispy_form.is_valid()
            cached_form.is_valid()
        for name in crispy_form.fields:
            assert str(field_html(cached_form[name])) == str(as_crispy_field(crispy_form[name]))


# Values a patient could type or a draft could hold, each drawn escaped as the widget
# draws it: markup, quotes, ampersands, bidi and other non-ASCII text, spaces only, spaces
# around tags, numbers as text.
AWKWARD = [
    "<script>alert(\"x\")</script> & 'quotes'",
    "   ",
    "  line one\n\n   line two  ",
    "Nguyễn \u202e reversed",
    "0",
    "12abc",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_values_are_drawn_as_crispy_draws_them(text):
    step = steps.BY_ID["pain"]
    data = {**VALID["pain"], "complaint": text, "started_year": text, "goals": text}
    for _ in range(2):
        crispy_form, cached_form = pairs(step, data)
        for name in ("complaint", "started_year", "goals", "intensity_now"):
            assert str(field_html(cached_form[name])) == str(as_crispy_field(crispy_form[name]))


CHOICE_FIELDS = [
    (step, name)
    for step in steps.FORM_STEPS
    for name, field in step.form_class.base_fields.items()
    if hasattr(field, "choices")
]


@pytest.mark.parametrize(("step", "name"), CHOICE_FIELDS, ids=lambda v: getattr(v, "identifier", v))
def test_each_choice_is_marked_as_crispy_marks_it(step, name):
    """A list, radio buttons or tick boxes with each option chosen alone, every option
    chosen, and a value that is no option."""
    choices = [str(value) for value, _ in step.form_class.base_fields[name].choices]
    for chosen in [[value] for value in choices] + [choices, ["nonsense"], []]:
        crispy_form, cached_form = pairs(step, {name: chosen})
        # Drawn as bound but not validated: a value that is no option draws no error.
        assert str(field_html(cached_form[name])) == str(as_crispy_field(crispy_form[name]))


def check_in_pairs(step, data):
    """Two fresh forms of a check-in's step with the same data."""
    intake = SubmittedIntakeFactory(answers={**ABOUT_DONE, "pain": VALID["pain"]})
    check_in = ScoredCheckInFactory(patient=intake.patient, previous=intake)
    return step.make_form(check_in, data), step.make_form(check_in, data)


FLOWS = [(s, pairs) for s in steps.FORM_STEPS] + [
    (s, check_in_pairs) for s in steps.CHECK_IN_FORM_STEPS
]


@pytest.mark.parametrize(
    ("step", "make"), FLOWS, ids=lambda v: getattr(v, "identifier", getattr(v, "__name__", ""))
)
@pytest.mark.parametrize("data", ["empty", "answered", "invalid"])
def test_every_form_is_drawn_as_the_crispy_tag_draws_it(step, make, data):
    answers = {**VALID, **CHECK_IN_VALID} if make is check_in_pairs else VALID
    posted = {
        "empty": None,
        "answered": answers.get(step.identifier),
        # Every field sent blank or nonsense: field errors, and a form's own errors.
        "invalid": dict.fromkeys(step.form_class.base_fields, "\u202e<b>?"),
    }[data]
    for _ in range(2):  # the second time from the cached pieces
        crispy_form, cached_form = make(step, posted)
        if posted is not None:
            crispy_form.is_valid()
            cached_form.is_valid()
        assert str(form_html(cached_form)) == str(render_crispy_form(crispy_form))


def test_a_field_made_from_a_patients_answers_is_never_kept():
    """A check-in offers the conditions the patient wrote before as "cleared up": that list
    is theirs, so no cache may hold it."""
    step = steps.CHECK_IN_BY_ID["since"]
    intake = SubmittedIntakeFactory(answers={**ABOUT_DONE, "pain": VALID["pain"]})
    check_in = ScoredCheckInFactory(patient=intake.patient, previous=intake)
    before = {"conditions": ["Stiff-knee-syndrome-canary"], "sex_at_birth": "female"}
    form = step.form_class(None, intake=check_in, before=before)
    crispy_form = step.form_class(None, intake=check_in, before=before)
    assert "resolved" in form.fields
    for _ in range(2):
        assert str(form_html(form)) == str(render_crispy_form(crispy_form))
    kept = repr(
        [field_cache._shells, field_cache._drawn, field_cache._choices, field_cache._options]
    )
    assert "canary" not in kept


def test_a_field_with_an_error_is_drawn_by_crispy_with_its_error():
    crispy_form, cached_form = pairs(steps.BY_ID["pain"], {"intensity_now": "eleven"})
    assert not cached_form.is_valid() and not crispy_form.is_valid()
    drawn = str(field_html(cached_form["intensity_now"]))
    assert "is-invalid" in drawn
    assert drawn == str(as_crispy_field(crispy_form["intensity_now"]))


def test_options_are_drawn_as_the_widget_draws_them():
    crispy_form, cached_form = pairs(steps.BY_ID["pain"], VALID["pain"])
    for _ in range(2):
        drawn = [str(option_html(w)) for w in cached_form["regions"]]
        assert drawn == [str(w.tag()) for w in crispy_form["regions"]]
    assert sum("checked" in html for html in drawn) == len(VALID["pain"]["regions"])


REGION_LIST = "intake/patient/_region_list.html"


@pytest.mark.parametrize(
    "ticked",
    [[], ["low_back"], ["left_knee", "head", "nonsense"], "all", "<b>", "invalid"],
)
def test_the_region_list_is_its_template_with_the_ticked_options(ticked):
    step = steps.BY_ID["pain"]
    if ticked == "all":
        ticked = [value for value, _ in step.form_class.base_fields["regions"].choices]
    data = None if ticked == "invalid" else {**VALID["pain"], "regions": ticked}
    if ticked == "invalid":
        data = {**VALID["pain"], "regions": ["nonsense"]}  # an error on the field
    for _ in range(2):  # the second time from the cached list
        plain_form, cached_form = pairs(step, data)
        plain_form.is_valid()
        cached_form.is_valid()
        expected = render_to_string(REGION_LIST, {"field": plain_form["regions"]})
        assert str(tick_list_html(cached_form["regions"], REGION_LIST)) == expected


def test_the_region_list_ticks_what_the_answers_hold():
    step = steps.BY_ID["pain"]
    intake = IntakeFactory(
        answers={**ABOUT_DONE, "pain": {"regions": ["neck", "left_knee"]}},
        completed_steps=["about"],
    )
    drawn = str(tick_list_html(step.make_form(intake)["regions"], REGION_LIST))
    assert drawn.count(" checked") == 2
    assert drawn == render_to_string(REGION_LIST, {"field": step.make_form(intake)["regions"]})


@pytest.mark.parametrize("chosen", [set(), {"low_back"}, {"left_knee", "head", "nonsense"}])
def test_the_body_map_is_the_template_with_the_ticked_regions(chosen):
    expected = render_to_string(
        "intake/patient/_body_map.html", {"body_map": body_map_views(chosen)}
    )
    assert body_map_html(chosen) == expected


def pain_page_of(patient, intake) -> str:
    client = sign_in(Client(), patient)
    response = client.get(step_url(intake, "pain"))
    assert response.status_code == 200
    return response.content.decode()


def test_two_patients_each_see_their_own_answers():
    """The same step drawn for two patients, one after the other from the same caches, shows
    each their own typed text, numbers, month, ticked regions and body map."""
    first_answers = {
        **VALID["pain"],
        "complaint": "Stiff neck after gardening",
        "regions": ["neck"],
        "started_month": 4,
        "started_year": 2019,
        "intensity_now": 2,
        "goals": "Turn my head when driving",
    }
    second_answers = {
        **VALID["pain"],
        "complaint": "Sore right knee on stairs",
        "regions": ["right_knee"],
        "started_month": 11,
        "started_year": 2023,
        "intensity_now": 9,
        "goals": "Climb the stairs at home",
    }
    first = IntakeFactory(answers={**ABOUT_DONE, "pain": first_answers}, completed_steps=["about"])
    second = IntakeFactory(
        answers={**ABOUT_DONE, "pain": second_answers}, completed_steps=["about"]
    )
    pages = [pain_page_of(first.patient, first), pain_page_of(second.patient, second)]
    pages.append(pain_page_of(first.patient, first))  # and again, from warm caches
    for page, own, other in (
        (pages[0], first_answers, second_answers),
        (pages[1], second_answers, first_answers),
        (pages[2], first_answers, second_answers),
    ):
        assert own["complaint"] in page and other["complaint"] not in page
        assert own["goals"] in page and other["goals"] not in page
        assert f'value="{own["started_year"]}"' in page
        assert f'value="{other["started_year"]}"' not in page
        assert f'<option value="{own["started_month"]}" selected>' in page
        assert f'<option value="{other["started_month"]}" selected>' not in page
        assert f'name="intensity_now" value="{own["intensity_now"]}"' in page
        own_region, other_region = own["regions"][0], other["regions"][0]
        assert f'value="{own_region}" class="form-check-input region-checkbox"' in page
        assert f'id="body-map-front-{own_region}" class="body-region is-selected"' in page
        assert f'id="body-map-front-{other_region}" class="body-region"' in page
