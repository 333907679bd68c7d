from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from runners.api.app import api
from runners.views import badges, cards, dashboard, intel, runner, share

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
    path("fleet/", intel.index, name="intel"),
    path("teams/<slug:team>/extensions/", intel.extensions, name="intel-matrix"),
    path("teams/<slug:team>/baseline/", intel.baseline, name="intel-baseline"),
    path("teams/<slug:team>/baseline/save/", intel.save_baseline, name="intel-baseline-save"),
    path("teams/<slug:team>/compare/", intel.compare, name="intel-compare"),
    path("teams/<slug:team>/finder/", intel.find, name="intel-finder"),
    path("teams/<slug:team>/check/", intel.check, name="intel-check"),
    path("teams/<slug:team>/check/run/", intel.run_check, name="intel-check-run"),
    path("s/<str:token>/", share.public_page, name="share"),
    path("s/<str:token>/poll/", share.public_poll, name="share-poll"),
    path("", include("runners.team_urls")),
    path("badge/<str:key>.svg", badges.badge, name="badge"),
    path("api/v1/", api.urls),
]
