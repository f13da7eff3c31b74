from django.urls import path

from opennrm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-step/", views.otp_verify, name="otp_verify"),
    path("two-step/setup/", views.otp_setup, name="otp_setup"),
    path("password/", views.password_change, name="password_change"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_invite, name="user_invite"),
    path("users/<int:user_id>/password-reset/", views.user_password_reset, name="user_password_reset"),
    path("tokens/", views.tokens, name="tokens"),
]
