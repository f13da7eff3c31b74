"""The editor's pages of the public site (namespace `portal_editor`, under /<language>/editor/).

`<str:language>` in a path is the language of the content being edited (lv, en, ru), not of the interface.
"""

from django.urls import path

from opennrm.portal.views import editor

app_name = "portal_editor"
urlpatterns = [
    path("", editor.index, name="index"),
    path("new/<str:kind>/", editor.item_new, name="item_new"),
    path("items/<int:item_id>/", editor.item, name="item"),
    path("items/<int:item_id>/details/", editor.item_details, name="item_details"),
    path("items/<int:item_id>/archive/", editor.item_archive, name="item_archive"),
    path("items/<int:item_id>/restore/", editor.item_restore, name="item_restore"),
    path("items/<int:item_id>/files/add/", editor.file_add, name="file_add"),
    path("items/<int:item_id>/files/<int:file_id>/", editor.file_download, name="file_download"),
    path("items/<int:item_id>/files/<int:file_id>/remove/", editor.file_remove, name="file_remove"),
    path("items/<int:item_id>/<str:language>/", editor.translation, name="translation"),
    path("items/<int:item_id>/<str:language>/status/", editor.translation_status, name="translation_status"),
    path("items/<int:item_id>/<str:language>/preview/", editor.preview, name="preview"),
    path("items/<int:item_id>/<str:language>/revisions/", editor.revisions, name="revisions"),
    path("items/<int:item_id>/<str:language>/revisions/<int:number>/", editor.revision, name="revision"),
    path(
        "items/<int:item_id>/<str:language>/revisions/<int:number>/restore/",
        editor.revision_restore,
        name="revision_restore",
    ),
]
