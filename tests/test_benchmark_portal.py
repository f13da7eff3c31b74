"""The public site benchmark works end to end at a tiny size: the generator leaves content the public pages show,
and the runner serves it over HTTP and reports every page. Timings are never asserted (benchmarks/README.md)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import portal_generate
from benchmarks.portal_run import ENDPOINTS, PAGES
from opennrm.portal.models import ContentItem, ContentTranslation, EventDetails, Kind, PublicationFile, Status
from opennrm.portal.selectors import published_items

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def generated(db, settings, tmp_path):
    settings.OPENNRM_PORTAL_FILES_DIR = tmp_path / "portal-files"
    return portal_generate.content_generate(news=40, events=20, seed=7)


def test_generated_content_is_shaped_like_what_editors_publish(generated):
    assert ContentItem.objects.filter(kind=Kind.NEWS).count() == 40
    assert EventDetails.objects.count() == 20
    # Every item has a Latvian version; some are not public (drafts, scheduled for later, archived).
    assert not ContentItem.objects.exclude(translations__language="lv").exists()
    assert set(generated.news_slugs) == set(
        published_items(kind=Kind.NEWS, language="lv").values_list("item__slug", flat=True)
    )
    assert 0 < len(generated.news_slugs) <= 40
    statuses = set(ContentTranslation.objects.values_list("status", flat=True))
    assert Status.PUBLISHED in statuses
    assert generated.months and generated.publication_years
    for stored in PublicationFile.objects.all():
        assert stored.file.read().startswith(b"%PDF")
    titles = ContentTranslation.objects.values_list("title", flat=True)
    assert all("No." in title for title in titles)


def test_the_generated_pages_answer(client, generated):
    for path in (
        f"/lv/news/{generated.news_slugs[0]}/",
        f"/lv/event/{generated.event_slugs[0]}/",
        f"/lv/publications/{generated.publication_slugs[0]}/",
        f"/lv/search/?q={generated.rare_word}",
    ):
        assert client.get(path).status_code == 200, path
    found = client.get(f"/lv/search/?q={generated.rare_word}").content.decode()
    assert "1 r" in found  # one result (in Latvian or, before the catalogues are merged, in English)


def test_the_runner_measures_every_page_over_http(tmp_path):
    output = tmp_path / "portal.json"
    command = [sys.executable, "benchmarks/portal_run.py", "--news", "20,30", "--events", "10,15", "--requests", "40"]
    command += ["--rounds", "1", "--clients", "2", "--workers", "2", "--output", str(output)]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    result = json.loads(output.read_text())
    assert [result["sizes"][size]["news"] for size in ("small", "large")] == [20, 30]
    for endpoint in ENDPOINTS:
        for size in ("small", "large"):
            measured = result["results"][endpoint][size]
            assert measured["requests"] > 0 and measured["errors"] == 0, (endpoint, size, measured)
            assert measured["p95_ms"] >= measured["p50_ms"] > 0
    assert result["results"]["news_list_304"]["small"]["bytes"] == 0
    assert result["verdict"]["errors"] == 0
    assert set(result["verdict"]["p50_ratios_large_to_small"]) == set(ENDPOINTS)
    assert all(name in ENDPOINTS for name in PAGES)


def test_the_runner_refuses_bad_options():
    finished = subprocess.run(
        [sys.executable, "benchmarks/portal_run.py", "--news", "1000,10"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "--news" in finished.stderr and "at most as many as the large" in finished.stderr
