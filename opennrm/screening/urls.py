from django.urls import path

from opennrm.screening import views

app_name = "screening"
urlpatterns = [
    path("", views.start, name="start"),
    path("step/", views.step, name="step"),
    path("result/", views.result, name="result"),
    path("save/", views.save, name="save"),
    path("refer/", views.refer, name="refer"),
    path("print/<slug:set_id>/", views.print_form, name="print_form"),
]
