"""Editors' Markdown becomes HTML that is safe on a public page and makes no request to another host."""

import pytest

from opennrm.portal.rendering import is_allowed_link, is_local_url, plain_text, render_markdown


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


# Addresses a browser reads as another host or another scheme, however they are written: a backslash counts as "/",
# tabs, newlines and control characters are skipped, entities are decoded, schemes are case-insensitive.
FOREIGN_IMAGE_SOURCES = [
    "/\\evil.example/a.png",
    "\\\\evil.example/a.png",
    "\\/evil.example/a.png",
    "//evil.example/a.png",
    " //evil.example/a.png",
    "/\t/evil.example/a.png",
    "/\n/evil.example/a.png",
    "/\x01/evil.example/a.png",
    "http:evil.example/a.png",
    "HtTpS://evil.example/a.png",
    "ht\ttps://evil.example/a.png",
    "javascript:alert(1)",
    "JaVa\nScRiPt:alert(1)",
    "data:image/png;base64,AAAA",
    "&#x2F;&#x2F;evil.example/a.png",
    "&#47;&#92;evil.example/a.png",
    "/&#x5C;evil.example/a.png",
    "http&#58;//evil.example/a.png",
    "/&#9;/evil.example/a.png",
]


@pytest.mark.parametrize("src", FOREIGN_IMAGE_SOURCES)
def test_no_spelling_of_another_host_passes_the_image_check(src):
    assert is_local_url(src) is False


@pytest.mark.parametrize("src", FOREIGN_IMAGE_SOURCES)
def test_a_markdown_image_from_another_host_is_replaced_by_its_description_however_written(src):
    # "\\\\" is Markdown for one backslash: doubled, every backslash reaches the page as written above.
    markdown_src = src.replace("\\", "\\\\")
    html = render_markdown(f"![A chart of referrals]({markdown_src})")
    assert "<img" not in html and "evil.example" not in html
    assert "A chart of referrals" in html


@pytest.mark.parametrize("src", [*FOREIGN_IMAGE_SOURCES, "/\\\\evil.example/a.png", "/&#10;/evil.example/a.png"])
def test_a_raw_html_image_from_another_host_is_dropped_however_written(src):
    html = render_markdown(f'<p>Before <img src="{src}" alt="x"> after</p>')
    assert "<img" not in html and "evil.example" not in html
    assert "Before" in html and "after" in html


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        " javascript:alert(1)",
        "\x01javascript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "&#106;avascript:alert(1)",
        "java&#10;script:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<b>x</b>",
    ],
)
def test_no_spelling_of_an_active_scheme_survives_in_a_link(href):
    assert is_allowed_link(href) is False
    for source in (f'<a href="{href}">the help page</a>', f"[the help page]({href})"):
        html = render_markdown(source)
        assert "href" not in html and "alert" not in html and "msgbox" not in html and "<b>" not in html
        assert "the help page" in html


@pytest.mark.parametrize(
    "href",
    ["https://example.org/help", "HTTP://example.org/", "//example.org/help", "mailto:demo@example.org", "/lv/help/"],
)
def test_links_to_other_hosts_and_this_site_are_allowed(href):
    assert is_allowed_link(href) is True
    assert f'href="{href}"' in render_markdown(f"[the help page]({href})")


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
        ("../images/a.png", True),
        ("/static/a%20b.png", True),
        ("/static/a.png?v=2", True),
        ("/\\x.org/a", False),
        ("\\\\x.org/a", False),
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
