"""Signal receivers, connected in RunnersConfig.ready()."""

from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from runners import sharing
from runners.models import Membership


@receiver(pre_delete, sender=Membership)
def revoke_share_links_of_leaver(sender: type, instance: Membership, **kwargs: Any) -> None:
    # Whoever leaves a team (admin, inline, or a deleted user) keeps no public view of its runners.
    # Before the delete, in its transaction: deleting a user nulls ShareLink.created_by first.
    sharing.revoke_links_of_member(instance.user_id, instance.team_id)
