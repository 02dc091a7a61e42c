"""Subscriptions to briefs as the administration page uses them: the active ones and every
delivery, as table rows, and adding or removing one as the signed-in administrator.

Not cached: subscriptions and deliveries do not move the data version that keys the caches.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ctdash import subscriptions
from ctdash.models import Subscription
from ctdash.web.engine import engine
from ctdash.web.signin import Viewer

# How the page names each trigger.
TRIGGERS = {
    "new-figures": "new figures: after each commit that changes the data",
    "weekly": "weekly: the first run in each new week (ISO, UTC)",
    "monthly": "monthly: the first run in each new month (UTC)",
}


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}"


def active_rows() -> list[dict[str, object]]:
    """The active subscriptions as the page's table shows them, oldest first."""
    return [
        {
            "Id": item.subscription.id,
            "E-mail": item.subscription.email,
            "View": item.subscription.view,
            "Format": item.subscription.format,
            "Trigger": item.subscription.trigger,
            "Since": subscriptions.since(item.subscription),
            "Added (UTC)": _when(item.subscription.created_at),
            "Added by": item.subscription.created_by,
            "Last delivery": subscriptions.describe_last(item.last),
        }
        for item in subscriptions.active(engine())
    ]


def delivery_rows() -> list[dict[str, object]]:
    """Every brief sent, being sent or failed, latest first."""
    return [
        {
            "When (UTC)": _when(sent.delivery.recorded_at),
            "Subscription": sent.delivery.subscription_id,
            "To": sent.email,
            "View": sent.view,
            "Format": sent.format,
            "Data version": sent.delivery.data_version,
            "Period": sent.delivery.period,
            "Status": sent.delivery.status,
            "Detail": sent.delivery.detail,
        }
        for sent in subscriptions.deliveries(engine())
    ]


def add(*, email: str, view: str, fmt: str, trigger: str, viewer: Viewer) -> subscriptions.Added:
    """Add a subscription recorded as the viewer's; SubscriptionError lists what is wrong."""
    return subscriptions.add(
        engine(), email=email, view=view, fmt=fmt, trigger=trigger, user=viewer.name
    )


def remove(subscription_id: int, *, viewer: Viewer) -> Subscription:
    """Mark a subscription removed by the viewer; SubscriptionError says why not."""
    return subscriptions.remove(engine(), subscription_id=subscription_id, user=viewer.name)
