"""The team pages: /teams/…, the invite link, and runner edit/pause/resume."""

from django.urls import path

from runners.views import alerts, api_keys, members, runner_edit, teams, tokens

RUNNER = "runners/<slug:team>/<slug:slug>"
TEAM = "teams/<slug:team>"

urlpatterns = [
    path("teams/", teams.team_list, name="teams"),
    path("teams/new/", teams.new_team, name="team-new"),
    path(f"{TEAM}/runners/add/", runner_edit.add, name="team-runner-add"),
    path(f"{TEAM}/members/", members.member_list, name="team-members"),
    path(f"{TEAM}/members/invite/", members.invite, name="team-invite"),
    path(
        f"{TEAM}/invites/<int:invite_id>/revoke/", members.revoke_invite, name="team-invite-revoke"
    ),
    path(f"{TEAM}/members/<int:user_id>/role/", members.change_role, name="team-member-role"),
    path(f"{TEAM}/members/<int:user_id>/remove/", members.remove_member, name="team-member-remove"),
    path(f"{TEAM}/leave/", members.leave, name="team-leave"),
    path(f"{TEAM}/tokens/", tokens.token_list, name="team-tokens"),
    path(f"{TEAM}/tokens/<int:token_id>/replace/", tokens.replace, name="team-token-replace"),
    path(f"{TEAM}/tokens/<int:token_id>/delete/", tokens.delete, name="team-token-delete"),
    path(f"{TEAM}/tokens/<int:token_id>/import/", tokens.start_import, name="team-token-import"),
    path(f"{TEAM}/tokens/<int:token_id>/import/status/", tokens.import_status, name="team-import"),
    path(f"{TEAM}/audit/", teams.audit_trail, name="team-audit"),
    path(f"{TEAM}/alerts/", alerts.alerts_page, name="team-alerts"),
    path(f"{TEAM}/alerts/channels/", alerts.add_channel, name="alert-channel-add"),
    path(
        f"{TEAM}/alerts/channels/<int:channel_id>/test/",
        alerts.test_channel,
        name="alert-channel-test",
    ),
    path(
        f"{TEAM}/alerts/channels/<int:channel_id>/delete/",
        alerts.delete_channel,
        name="alert-channel-delete",
    ),
    path(f"{TEAM}/alerts/rules/", alerts.save_rules, name="alert-rules"),
    path(f"{TEAM}/alerts/runner-rule/", alerts.runner_rule, name="alert-runner-rule"),
    path(f"{TEAM}/api-keys/", api_keys.keys_page, name="team-api-keys"),
    path(f"{TEAM}/api-keys/new/", api_keys.create_key, name="api-key-create"),
    path(f"{TEAM}/api-keys/<int:key_id>/revoke/", api_keys.revoke_key, name="api-key-revoke"),
    path(f"{TEAM}/badges/new/", api_keys.create_badge, name="badge-create"),
    path(f"{TEAM}/badges/<int:badge_id>/revoke/", api_keys.revoke_badge, name="badge-revoke"),
    path("invite/<str:token>/", members.accept_invite, name="invite"),
    path(f"{RUNNER}/edit/", runner_edit.edit, name="runner-edit"),
    path(f"{RUNNER}/pause/", runner_edit.pause, name="runner-pause"),
    path(f"{RUNNER}/resume/", runner_edit.resume, name="runner-resume"),
]
