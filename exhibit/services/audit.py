"""Who did what: the audit log of editorial acts, and the user scripted changes are made as.

Views, admin actions and commands call ``record_event``; commands run as ``script_user()``
inside ``acting_as()`` so revision history names that user too.
"""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

SCRIPT_USERNAME = "script"  # created by migration exhibit.0002_roles


class ScriptUserMissing(LookupError):
    """The user scripted changes are recorded as does not exist."""


def script_user():
    try:
        return get_user_model().objects.get(username=SCRIPT_USERNAME)
    except get_user_model().DoesNotExist as error:
        raise ScriptUserMissing(
            f"The “{SCRIPT_USERNAME}” user is missing. Run `manage.py migrate`: "
            "migration exhibit.0002_roles creates it."
        ) from error


@contextmanager
def acting_as(user):
    """Record ``user`` as the author of the historical versions saved inside the block.

    In a request the history middleware does this for the signed-in curator; commands have no
    request, so they say who they act as.
    """
    from simple_history.models import HistoricalRecords

    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    context.request = SimpleNamespace(user=user)
    try:
        yield user
    finally:
        if previous is None:
            del context.request
        else:
            context.request = previous


def record_event(actor, action: str, obj, detail: dict | None = None):
    """Write one audit event about ``obj`` (saved or just deleted) and return it."""
    from exhibit.models import AuditEvent

    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        detail=detail or {},
    )


def record_site_event(actor, action: str, what: str, detail: dict | None = None):
    """Write one audit event about the whole site (an export or import), naming ``what``."""
    from exhibit.models import AuditEvent

    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=None,
        object_id="",
        object_repr=what[:255],
        detail=detail or {},
    )


def record_status_change(actor, obj, status_before, published_at_before=None):
    """Log a change of publication status of ``obj`` (saved), if it became or left published.

    A publish time in the future is "scheduled"; moving it while published is logged too.
    """
    from exhibit.models import AuditEvent, Status

    now_published = obj.status == Status.PUBLISHED
    was_published = status_before == Status.PUBLISHED
    if now_published and (not was_published or published_at_before != obj.published_at):
        scheduled = obj.published_at is not None and obj.published_at > timezone.now()
        action = AuditEvent.Action.SCHEDULED if scheduled else AuditEvent.Action.PUBLISHED
        when = obj.published_at.isoformat() if obj.published_at else None
        return record_event(actor, action, obj, {"published_at": when})
    if was_published and not now_published:
        return record_event(actor, AuditEvent.Action.UNPUBLISHED, obj, {"status": obj.status})
    return None
