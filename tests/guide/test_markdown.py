from __future__ import annotations

from guide.markdown import render, render_references


def test_it_removes_script_tags():
    html = render(
        "Hello\n\n<script>alert('x')</script>\n\n<p><script src=//evil.example></script></p>"
    )
    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html


def test_it_drops_javascript_links():
    html = render('[click](javascript:alert(1)) and <a href="JaVaScRiPt:alert(2)">raw</a>')
    assert "javascript" not in html.lower()
    assert "click" in html


def test_it_drops_data_and_vbscript_links():
    html = render("[a](data:text/html;base64,PHNjcmlwdD4=) [b](vbscript:msgbox)")
    assert "data:" not in html
    assert "vbscript" not in html


def test_it_strips_event_handler_attributes():
    html = render(
        '<img src="x" onerror="alert(1)">\n\n'
        '<p onclick="alert(2)">para</p>\n\n'
        "## Heading {onmouseover=alert(3)}\n\n"
        "[link](https://example.com){onfocus=alert(4)}"
    )
    assert "onerror" not in html
    assert "onclick" not in html
    assert "onmouseover" not in html
    assert "onfocus" not in html
    assert "alert" not in html


def test_it_removes_iframes_objects_and_styles():
    html = render(
        '<iframe src="https://evil.example"></iframe>\n\n'
        '<object data="x.swf"></object><embed src="x">\n\n'
        "<style>body{display:none}</style>\n\n"
        '<p style="position:fixed">styled</p>'
    )
    for fragment in ("<iframe", "<object", "<embed", "<style", "style="):
        assert fragment not in html


def test_it_keeps_markdown_formatting_links_and_heading_ids():
    html = render(
        "## Bleeding and blood thinners {#bleeding}\n\n"
        "Some **bold** and *soft* text with [a link](/guide/safety/#bleeding) "
        "and [another](https://www.nice.org.uk/guidance/ng193).\n\n"
        "- one\n- two\n\n"
        "### Without explicit id\n"
    )
    # Ids are namespaced, and so are links to them (tests/guide/test_heading_ids.py).
    assert '<h2 id="section-bleeding">Bleeding and blood thinners</h2>' in html
    assert "<strong>bold</strong>" in html
    assert "<em>soft</em>" in html
    assert 'href="/guide/safety/#section-bleeding"' in html
    assert 'href="https://www.nice.org.uk/guidance/ng193"' in html
    assert "<li>one</li>" in html
    assert '<h3 id="section-without-explicit-id">' in html


def test_it_turns_a_level_one_heading_into_a_section_heading():
    # The page title is the only <h1>.
    html = render("# Top\n\ntext")
    assert "<h1" not in html
    assert '<h2 id="section-top">Top</h2>' in html


def test_it_renders_references_as_a_numbered_list():
    html = render_references("First source\n\n[Second](https://example.com)\n")
    assert html.startswith("<ol>")
    assert "<li>First source</li>" in html
    assert 'href="https://example.com"' in html
    assert render_references("  \n") == ""
