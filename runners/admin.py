from __future__ import annotations

from datetime import UTC, datetime

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from runners.forms import HEADERS_DROPPED, ApiTokenForm, RunnerForm, describe_headers
from runners.models import (
    ApiToken,
    AuditEntry,
    GpuSample,
    Membership,
    Runner,
    RunnerState,
    ShareLink,
    Snapshot,
    Team,
)
from runners.polling.importer import import_runners
from runners.status import Status
from runners.teams import bookmarks
from runners.upstream.errors import UpstreamError


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "member_count", "runner_count", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count("memberships", distinct=True),
                runner_count=Count("runners", distinct=True),
            )
        )

    @admin.display(description="members", ordering="member_count")
    def member_count(self, team: Team) -> int:
        return team.member_count

    @admin.display(description="runners", ordering="runner_count")
    def runner_count(self, team: Team) -> int:
        return team.runner_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "user__email", "team__name"]
    autocomplete_fields = ["user", "team"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["label", "team", "masked", "last_status", "last_used_at", "created_by"]
    list_filter = ["team", "last_status"]
    search_fields = ["label", "team__name"]
    readonly_fields = ["masked", "created_by", "created_at", "last_used_at", "last_status"]
    actions = ["import_from_comfycontrol"]

    @admin.display(description="token")
    def masked(self, token: ApiToken) -> str:
        if not token.secret_is_readable:
            return "cannot be decrypted; enter it again"
        return f"…{token.hint}" if token.hint else "—"

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Import runners from ComfyControl with the selected tokens")
    def import_from_comfycontrol(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.select_related("team"):
            try:
                result = import_runners(token)
            except UpstreamError as error:
                self.message_user(request, f"{token}: {error.sentence}", messages.ERROR)
            else:
                self.message_user(request, f"{token}: {result}", messages.SUCCESS)


@admin.register(Runner)
class RunnerAdmin(admin.ModelAdmin):
    form = RunnerForm
    list_display = ["name", "team", "source", "tags", "status", "poll_interval", "paused"]
    list_filter = ["source", "paused", "team", "state__status"]
    search_fields = ["name", "slug", "tags", "comfycontrol_id", "base_url", "notes"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["team", "state"]
    readonly_fields = ["header_hint", "paused_by", "paused_at"]
    actions = ["pause", "resume"]
    fieldsets = [
        (None, {"fields": ["team", "name", "slug", "source", "tags", "notes"]}),
        ("ComfyControl", {"fields": ["comfycontrol_id", "token"]}),
        ("Direct", {"fields": ["base_url", "header_hint", "headers_text", "clear_headers"]}),
        ("Polling", {"fields": ["poll_interval", "paused", "paused_by", "paused_at"]}),
    ]

    def save_model(self, request: HttpRequest, obj: Runner, form, change: bool) -> None:
        switched = change and "paused" in form.changed_data
        if switched:
            obj.paused = not obj.paused  # switched back below, noting who and when
        super().save_model(request, obj, form, change)
        if switched:
            (bookmarks.resume if obj.paused else bookmarks.pause)(obj, request.user)
        if form.headers_dropped:
            self.message_user(request, HEADERS_DROPPED, messages.WARNING)

    @admin.display(description="status", ordering="state__status")
    def status(self, runner: Runner) -> str:
        state = getattr(runner, "state", None)
        return (Status(state.status) if state else Status.PENDING).label

    @admin.display(description="stored headers")
    def header_hint(self, runner: Runner) -> str:
        return describe_headers(runner)

    @admin.action(description="Pause polling of the selected runners")
    def pause(self, request: HttpRequest, queryset: QuerySet[Runner]) -> None:
        for runner in queryset.select_related("team"):
            bookmarks.pause(runner, request.user)

    @admin.action(description="Resume polling of the selected runners")
    def resume(self, request: HttpRequest, queryset: QuerySet[Runner]) -> None:
        for runner in queryset.select_related("team"):
            bookmarks.resume(runner, request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is written by polling only; admins read it."""

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Teams' audit trails, written by the team pages' services only."""

    list_display = ["at", "team", "actor_name", "action", "subject"]
    list_filter = ["action", "team"]
    search_fields = ["actor_name", "subject", "team__name"]
    list_select_related = ["team"]


@admin.register(RunnerState)
class RunnerStateAdmin(ReadOnlyAdmin):
    list_display = ["runner", "status", "status_since", "succeeded_at", "latency_ms"]
    list_filter = ["status"]
    search_fields = ["runner__name"]
    list_select_related = ["runner"]


def as_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["runner", "taken_at", "status", "ram_used", "ram_total", "latency_ms"]
    list_filter = ["status"]
    search_fields = ["runner__name"]
    list_select_related = ["runner"]

    @admin.display(description="taken at", ordering="ts")
    def taken_at(self, snapshot: Snapshot) -> datetime:
        return as_datetime(snapshot.ts)


@admin.register(GpuSample)
class GpuSampleAdmin(ReadOnlyAdmin):
    list_display = ["runner", "taken_at", "gpu", "vram_used", "vram_total"]
    search_fields = ["runner__name"]
    list_select_related = ["runner"]

    @admin.display(description="taken at", ordering="ts")
    def taken_at(self, sample: GpuSample) -> datetime:
        return as_datetime(sample.ts)


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["runner", "label", "created_by", "created_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at", "runner__team"]
    search_fields = ["runner__name", "label"]
    list_select_related = ["runner", "created_by"]
    exclude = ["token_hash"]
    readonly_fields = ["runner", "created_by", "created_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # links are made on the runner page, where the secret is shown once

    @admin.action(description="Revoke the selected share links")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ShareLink]) -> None:
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def _superusers_only(request: HttpRequest) -> bool:
    # Teams manage themselves in the app; admin is for the installation's administrators, and a
    # staff user who is not a superuser would only be told there is nothing for them.
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only
