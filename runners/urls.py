from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from runners.api.app import api
from runners.views import alerts, api_keys, badges, cards, dashboard, runner, share

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
    path("teams/<slug:team>/alerts/", alerts.alerts_page, name="team-alerts"),
    path("teams/<slug:team>/alerts/channels/", alerts.add_channel, name="alert-channel-add"),
    path(
        "teams/<slug:team>/alerts/channels/<int:channel_id>/test/",
        alerts.test_channel,
        name="alert-channel-test",
    ),
    path(
        "teams/<slug:team>/alerts/channels/<int:channel_id>/delete/",
        alerts.delete_channel,
        name="alert-channel-delete",
    ),
    path("teams/<slug:team>/alerts/rules/", alerts.save_rules, name="alert-rules"),
    path("teams/<slug:team>/alerts/runner-rule/", alerts.runner_rule, name="alert-runner-rule"),
    path("teams/<slug:team>/api-keys/", api_keys.keys_page, name="team-api-keys"),
    path("teams/<slug:team>/api-keys/new/", api_keys.create_key, name="api-key-create"),
    path(
        "teams/<slug:team>/api-keys/<int:key_id>/revoke/",
        api_keys.revoke_key,
        name="api-key-revoke",
    ),
    path("teams/<slug:team>/badges/new/", api_keys.create_badge, name="badge-create"),
    path(
        "teams/<slug:team>/badges/<int:badge_id>/revoke/",
        api_keys.revoke_badge,
        name="badge-revoke",
    ),
    path("badge/<str:key>.svg", badges.badge, name="badge"),
    path("api/v1/", api.urls),
]
