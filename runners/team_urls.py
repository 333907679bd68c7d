"""The team pages: /teams/…, the invite link, and runner edit/pause/resume."""

from django.urls import path

from runners.views import members, runner_edit, teams, tokens

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
    path("invite/<str:token>/", members.accept_invite, name="invite"),
    path(f"{RUNNER}/edit/", runner_edit.edit, name="runner-edit"),
    path(f"{RUNNER}/pause/", runner_edit.pause, name="runner-pause"),
    path(f"{RUNNER}/resume/", runner_edit.resume, name="runner-resume"),
]
