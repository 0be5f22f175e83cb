"""Writes of the learning platforms: registering them, what they count toward, credentials."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import Conflict, NotFound, ValidationFailed
from jineng.learning import locks
from jineng.learning.models import LearningPlatform, PlatformCredential
from jineng.organizations.models import Organization
from jineng.training.models import TrainingClass


@dataclass(frozen=True)
class Registrations:
    """What a platform is registered for: institutions (all their classes) and single classes."""

    institutions: tuple[Organization, ...] = ()
    class_codes: tuple[str, ...] = ()


def _classes(codes: tuple[str, ...], actor: Actor | None) -> list[TrainingClass]:
    """Return the classes named by code, refusing codes that name no class the actor sees."""
    wanted = sorted({code.strip() for code in codes if code.strip()})
    found = list(TrainingClass.objects.visible_to(actor).filter(code__in=wanted))
    missing = sorted(set(wanted) - {c.code for c in found})
    if missing:
        raise ValidationFailed(
            _("No training class with the code {codes}.").format(codes=", ".join(missing)),
            field="class_codes",
        )
    return found


def _register(
    platform: LearningPlatform, registrations: Registrations, actor: Actor | None
) -> dict[str, list[str]]:
    """Set what the platform is registered for; return the new registrations for the audit."""
    classes = _classes(registrations.class_codes, actor)
    platform.institutions.set(registrations.institutions)
    platform.training_classes.set(classes)
    return _registered(platform)


def _registered(platform: LearningPlatform) -> dict[str, list[str]]:
    return {
        "institutions": sorted(platform.institutions.values_list("credit_code", flat=True)),
        "classes": sorted(platform.training_classes.values_list("code", flat=True)),
    }


@transaction.atomic(durable=True)
def create_platform(
    name: str,
    *,
    actor: Actor | None,
    organization: Organization | None = None,
    registrations: Registrations | None = None,
) -> LearningPlatform:
    """Register a learning platform (学习平台) that may report statements.

    Its minutes count only toward the classes of the institutions and the single classes it
    is registered for; it may report about others, which are kept but not counted.
    """
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("A platform needs a name of 1 to 200 characters."), field="name")
    if LearningPlatform.objects.filter(name=name).exists():
        raise Conflict(_("A platform named {name} already exists.").format(name=name), field="name")
    platform = LearningPlatform.objects.create(name=name, organization=organization)
    registered = _register(platform, registrations or Registrations(), actor)
    audit.record(
        actor,
        "learning.learningplatform.created",
        platform,
        data={"name": name, **registered},
    )
    return platform


@transaction.atomic(durable=True)
def register_platform(
    platform_id: int, registrations: Registrations, *, actor: Actor
) -> LearningPlatform:
    """Set the institutions and classes a platform's online minutes may count toward (备案)."""
    platform = locks.platform_for_update(platform_id)
    if platform is None:
        raise NotFound(_("No such platform."), field="platform")
    before = _registered(platform)
    after = _register(platform, registrations, actor)
    audit.record(
        actor,
        "learning.learningplatform.registered",
        platform,
        data={"name": platform.name, "before": before, "after": after},
    )
    return platform


@transaction.atomic(durable=True)
def create_credential(
    platform: LearningPlatform, *, actor: Actor | None
) -> tuple[PlatformCredential, str]:
    """Issue a Basic-auth credential (平台凭据) to a platform; return it with the secret once."""
    if not platform.is_active:
        raise ValidationFailed(
            _("Platform {name} is inactive.").format(name=platform.name), field="platform"
        )
    key, secret = PlatformCredential.generate()
    credential = PlatformCredential.objects.create(
        platform=platform, key=key, secret_hash=PlatformCredential.hash_secret(secret)
    )
    audit.record(
        actor,
        "learning.platformcredential.created",
        credential,
        data={"platform": platform.name, "key": key},
    )
    return credential, secret


@transaction.atomic(durable=True)
def revoke_credential(key: str, *, actor: Actor | None) -> PlatformCredential:
    """Revoke a platform credential so that it stops working at once."""
    credential = (
        PlatformCredential.objects.select_related("platform")
        .filter(key=key, revoked_at__isnull=True)
        .first()
    )
    if credential is None:
        raise NotFound(_("No active credential {key}.").format(key=key), field="key")
    credential.revoked_at = timezone.now()
    credential.save(update_fields=["revoked_at"])
    audit.record(
        actor,
        "learning.platformcredential.revoked",
        credential,
        data={"platform": credential.platform.name, "key": key},
    )
    return credential
