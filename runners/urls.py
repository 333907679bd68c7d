from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from runners.api.app import api
from runners.views import badges, cards, dashboard, runner, share

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("poll/", dashboard.poll, name="dashboard-poll"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, extra_context={"debug": settings.DEBUG}
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("runners/<slug:team>/<slug:slug>/", runner.runner_page, name="runner"),
    path("runners/<slug:team>/<slug:slug>/poll/", runner.runner_poll, name="runner-poll"),
    path("runners/<slug:team>/<slug:slug>/delete/", runner.delete, name="runner-delete"),
    path("runners/<slug:team>/<slug:slug>/refresh/", cards.refresh_now, name="refresh"),
    path("runners/<slug:team>/<slug:slug>/share/", share.create, name="share-create"),
    path(
        "runners/<slug:team>/<slug:slug>/share/<int:link_id>/revoke/",
        share.revoke,
        name="share-revoke",
    ),
    path("s/<str:token>/", share.public_page, name="share"),
    path("s/<str:token>/poll/", share.public_poll, name="share-poll"),
    path("", include("runners.team_urls")),
    path("badge/<str:key>.svg", badges.badge, name="badge"),
    path("api/v1/", api.urls),
]
