"""Editors' Markdown becomes HTML that is safe on a public page and makes no request to another host."""

import pytest

from opennrm.portal.rendering import is_local_url, plain_text, render_markdown


def test_markdown_becomes_html():
    html = render_markdown("Some **bold** and *italic* text.\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="/x.png" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        '<iframe src="https://example.org"></iframe>',
        "<style>body{display:none}</style>",
        '<form action="https://example.org"><input name="q"></form>',
        '<object data="x.swf"></object>',
        '<p onclick="alert(1)">x</p>',
    ],
)
def test_nothing_active_survives(source):
    html = render_markdown(source).lower()
    for forbidden in (
        "<script",
        "onerror",
        "javascript:",
        "<iframe",
        "<style",
        "<form",
        "<input",
        "<object",
        "onclick",
    ):
        assert forbidden not in html
    assert "alert(1)</" not in html


def test_links_get_noopener():
    html = render_markdown("[the help page](https://example.org/help)")
    assert '<a href="https://example.org/help" rel="noopener">the help page</a>' in html


def test_raw_html_links_get_noopener_too():
    html = render_markdown('<a href="/lv/help/" target="_blank">help</a>')
    assert 'rel="noopener"' in html
    assert "target" not in html


def test_an_image_from_another_host_is_replaced_by_its_description():
    html = render_markdown("![A chart of referrals](https://tracker.example.org/pixel.png)")
    assert "<img" not in html
    assert "tracker.example.org" not in html
    assert "A chart of referrals" in html


@pytest.mark.parametrize("src", ["https://example.org/a.png", "//example.org/a.png", "http://example.org/a.png"])
def test_raw_html_images_from_other_hosts_are_dropped(src):
    html = render_markdown(f'<img src="{src}" alt="x">')
    assert "<img" not in html
    assert "example.org" not in html


def test_an_image_of_this_site_is_kept():
    html = render_markdown("![The logo](/static/opennrm/favicon.svg)")
    assert '<img alt="The logo" src="/static/opennrm/favicon.svg">' in html


def test_headings_start_at_level_two():
    html = render_markdown("# Top\n\n## Below\n\n### Further")
    assert "<h1" not in html
    assert "<h2>Top</h2>" in html
    assert "<h3>Below</h3>" in html
    assert "<h4>Further</h4>" in html


def test_headings_already_at_level_two_stay():
    assert "<h2>Section</h2>" in render_markdown("## Section")


def test_tables_have_column_headers():
    html = render_markdown("| Year | Victims |\n|---|---|\n| 2024 | 5 |")
    assert '<th scope="col">Year</th>' in html
    assert "<td>2024</td>" in html


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("/static/a.png", True),
        ("images/a.png", True),
        ("https://x.org/a.png", False),
        ("//x.org/a", False),
        ("", False),
    ],
)
def test_is_local_url(url, local):
    assert is_local_url(url) is local


def test_plain_text_strips_markup_and_shortens_at_a_word():
    assert plain_text("## Title\n\nSome **bold** words here") == "Title Some bold words here"
    assert plain_text("one two three four", limit=9) == "one two…"


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert plain_text("") == ""
