from django.urls import path

from opennrm.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
]
