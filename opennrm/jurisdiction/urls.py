from django.urls import path

from opennrm.jurisdiction import views

app_name = "jurisdiction"

# The model in force has short addresses; every readable version has the same pages under /versions/<n>/.
_document = [
    ("", views.overview, "overview"),
    ("stages/<slug:stage_id>/", views.stage_detail, "stage"),
    ("institution-types/<slug:type_id>/", views.institution_type_detail, "institution_type"),
    ("print/", views.print_document, "print"),
    ("pathway.svg", views.pathway, "pathway"),
]

urlpatterns = [path(route, view, name=name) for route, view, name in _document]
urlpatterns += [path(f"versions/<int:number>/{route}", view, name=f"version_{name}") for route, view, name in _document]
urlpatterns += [
    path("versions/", views.version_list, name="versions"),
    path("versions/<int:number>/diff/", views.version_diff, name="diff"),
    # The coordinator's editor.
    path("edit/", views.editor, name="editor"),
    path("edit/new-draft/", views.draft_create, name="draft_create"),
    path("versions/<int:number>/draft/", views.draft_detail, name="draft"),
    path("versions/<int:number>/draft/new-entry/", views.entry_add, name="entry_add"),
    path(
        "versions/<int:number>/draft/matrix/<slug:type_id>/<slug:stage_id>/",
        views.entry_edit,
        name="entry_edit",
    ),
    path(
        "versions/<int:number>/draft/matrix/<slug:type_id>/<slug:stage_id>/row/",
        views.entry_row,
        name="entry_row",
    ),
    path(
        "versions/<int:number>/draft/matrix/<slug:type_id>/<slug:stage_id>/remove/",
        views.entry_remove,
        name="entry_remove",
    ),
    path(
        "versions/<int:number>/draft/institution-types/<slug:type_id>/",
        views.institution_type_edit,
        name="institution_type_edit",
    ),
    path("versions/<int:number>/draft/new-legal-basis/", views.legal_basis_edit, name="legal_basis_add"),
    path(
        "versions/<int:number>/draft/legal-bases/<slug:basis_id>/",
        views.legal_basis_edit,
        name="legal_basis_edit",
    ),
    path("versions/<int:number>/publish/", views.publish, name="publish"),
]
