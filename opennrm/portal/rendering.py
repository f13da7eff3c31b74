"""Markdown written by editors → HTML that is safe to put on a public page.

Markdown (python-markdown) makes the HTML, nh3 then keeps only a short list of tags and attributes, so that neither
a mistake nor a copied snippet can add a script, a style, a form or a frame. Links get rel="noopener"; an image is
kept only when it comes from this site, since one from elsewhere would make every reader's browser contact another
host (the public pages make no third-party request of any kind). The body's headings start at level 2: the page's
title is its only level-1 heading.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from html import unescape
from urllib.parse import urlsplit

import markdown
import nh3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
LINK_REL = "noopener"
HEADING = re.compile(r"^h([1-6])$")


# Browsers read a web address leniently: a backslash counts as "/", tabs and newlines anywhere are skipped, and so are
# control characters and spaces around it. "/\evil.org/a.png" or "/<tab>/evil.org" thus reach another host; the
# checks below read an address the way a browser will (HTML entities decoded, as the page's parser decodes them).
IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f]")


def as_browser_reads(url: str) -> str:
    return IGNORED_IN_URL.sub("", unescape(url)).replace("\\", "/")


def is_local_url(url: str) -> bool:
    """An address on this site: a path, relative or from "/" — never another host however it is written ("//host",
    "/\\host", "https://host", "http:host") and never another scheme ("javascript:…", "data:…")."""
    address = as_browser_reads(url)
    if address.startswith("//"):
        return False
    parts = urlsplit(address)
    return not parts.scheme and not parts.netloc and bool(parts.path)


def is_allowed_link(url: str) -> bool:
    """A link may lead to another site, but only by one of URL_SCHEMES, never "javascript:" or the like."""
    scheme = urlsplit(as_browser_reads(url)).scheme
    return not scheme or scheme.lower() in URL_SCHEMES


class _PublicPageTreeprocessor(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        self._shift_headings(root)
        self._drop_foreign_images(root)
        # Column headers say so, for screen readers reading a table cell by cell.
        for header in root.iter("th"):
            header.set("scope", "col")

    @staticmethod
    def _shift_headings(root: etree.Element) -> None:
        levels = [int(m.group(1)) for el in root.iter() if (m := HEADING.match(str(el.tag)))]
        if not levels or min(levels) >= 2:
            return
        shift = 2 - min(levels)
        for element in root.iter():
            if match := HEADING.match(str(element.tag)):
                element.tag = f"h{min(int(match.group(1)) + shift, 6)}"

    @staticmethod
    def _drop_foreign_images(root: etree.Element) -> None:
        # Replaced by its description, so the reader still learns what the picture was.
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag == "img" and not is_local_url(child.get("src", "")):
                    replacement = etree.Element("span")
                    replacement.text = child.get("alt", "")
                    replacement.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, replacement)


class _PublicPageExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (the library's name)
        # After Markdown's own "unescape" (priority 0): until then an escaped backslash ("\\" in the Markdown) is a
        # placeholder, and the image check would not see the backslash a browser will.
        md.treeprocessors.register(_PublicPageTreeprocessor(md), "opennrm_public_page", -1)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # Raw HTML in the Markdown reaches here without the tree step: the same rule for images, enforced again.
    if tag == "img" and attribute == "src" and not is_local_url(value):
        return None
    # nh3 checks the scheme itself; this reads it as a browser would, in case the two ever disagree.
    if tag == "a" and attribute == "href" and not is_allowed_link(value):
        return None
    if tag == "th" and attribute == "scope" and value not in {"col", "row", "colgroup", "rowgroup"}:
        return None
    return value


def render_markdown(text: str) -> SafeString:
    """Editor's Markdown as sanitised HTML for a public page."""
    html = markdown.markdown(
        text or "",
        extensions=["tables", "sane_lists", "fenced_code", _PublicPageExtension()],
        output_format="html",
    )
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "noscript", "template"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # A foreign image loses its address above; an <img> without one would still be an empty box to a reader.
    cleaned = re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", cleaned)
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just above)


def plain_text(text: str, *, limit: int | None = None) -> str:
    """The words of the Markdown without markup (for search, feeds' descriptions and meta descriptions)."""
    words = " ".join(strip_tags(render_markdown(text)).split())
    if limit is not None and len(words) > limit:
        cut = words[:limit].rsplit(" ", 1)[0]
        return f"{cut}…"
    return words
