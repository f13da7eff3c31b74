from django.urls import path

from opennrm.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.institutions, name="institutions"),
    path("who-to-call/", views.who_to_call, name="who_to_call"),
    path("institutions/<slug:code>/", views.institution, name="institution"),
    path("institutions/<slug:code>/contacts/new/", views.contact_point_new, name="contact_point_new"),
    path("contacts/<int:pk>/edit/", views.contact_point_edit, name="contact_point_edit"),
    path("contacts/<int:pk>/disable/", views.contact_point_disable, name="contact_point_disable"),
]
