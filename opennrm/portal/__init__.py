"""The public information resource: news, the events calendar, publications, simple pages, where to get help, the
anonymous self-check and the public statistics — and the editor's pages behind them (ADR 13).

Read top-down:
- models.py — what exists: an item (news, event, publication, page) with one version per language, each with its
  own status (draft → scheduled → published → archived), its revisions, event and publication details, files.
- selectors.py — what the public sees now (`published_items`, `published_item`, `item_languages`, `last_modified`;
  a scheduled version appears when its time comes, without a job) and the editor's list.
- services.py — every change by an editor, one transaction with its audit event and a revision;
  uploads.py — the checks a publication file passes before anything is stored (type, size, virus-scan hook);
  rendering.py — editors' Markdown as sanitised HTML.
- views/editor.py, editor_urls.py, forms.py, templates/portal/editor/ — the editor's pages (`portal.edit`).
- views/public.py, public_urls.py, root_urls.py, feeds.py, ical.py, search.py, caching.py — the public content
  pages, feeds, calendars, sitemaps and their caching headers.
- views/help.py, help_urls.py, help_finder.py, self_check/ — where to get help, the self-check, the published model,
  indicators and statistics for the public.
- demo.py — synthetic demo content (and the tiny generated files it attaches).
"""
