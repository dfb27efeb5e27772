"""The wizard's progress list ({% step_progress %}, intake/templatetags/step_progress.py)."""

from __future__ import annotations

from django.template import Context, Template


def drawn(progress: list[dict], number: int = 2, total: int = 3) -> str:
    template = Template("{% load step_progress %}{% step_progress %}")
    return template.render(Context({"progress": progress, "number": number, "total": total}))


def item(title, *, current=False, completed=False, applicable=True, url=""):
    return {
        "title": title,
        "current": current,
        "completed": completed,
        "applicable": applicable,
        "url": url,
    }


def test_it_marks_each_steps_state_and_links_only_those_that_open():
    html = drawn(
        [
            item("About you", completed=True, url="/intake/1/step/about/"),
            item("Your pain", current=True, url="/intake/1/step/pain/"),
            item("Pregnancy", applicable=False),
        ]
    )
    assert '<p class="step-count mb-1">Step 2 of 3</p>' in html
    assert (
        '<li class="is-done"><a href="/intake/1/step/about/">About you</a> '
        '<span class="step-state">(done)</span></li>'
    ) in html
    # The current step is named, not linked.
    assert '<li class="is-current" aria-current="step"><span>Your pain</span></li>' in html
    assert (
        '<li class="is-skipped"><span>Pregnancy</span> '
        '<span class="step-state">(does not apply)</span></li>'
    ) in html


def test_titles_and_links_are_escaped():
    html = drawn([item("<b>x</b>", url='/a"><script>')], number=1, total=1)
    assert "<b>" not in html and "<script>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and 'href="/a&quot;&gt;&lt;script&gt;"' in html
