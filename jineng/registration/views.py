"""Pages for getting an account: self-registration, password reset, the SMS outbox.

What the worker typed waits in the session between the form and the code, encrypted (core.pii)
as every stored ID and phone number is; nothing personal ever travels in a URL.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.lockout import client_ip_address
from jineng.accounts.models import CodePurpose
from jineng.accounts.roles import Capability
from jineng.core import pii, sms
from jineng.core.errors import DomainError, NotFound, RateLimited
from jineng.core.models import SmsOutboxMessage
from jineng.registration import services
from jineng.registration.errors import IdentityNotVerified
from jineng.registration.forms import (
    CodeForm,
    RegistrationForm,
    ResetConfirmForm,
    ResetRequestForm,
    VerifiedRegistrationForm,
)
from jineng.registration.identity_providers import VerifiedIdentity, get_provider, get_providers
from jineng.registration.services import Outcome, PendingRegistration

# Messages the outbox page shows at once, the newest first.
OUTBOX_PAGE_SIZE = 100
PENDING_KEY = "registration.pending"
VERIFIED_KEY = "registration.verified"
RESET_KEY = "registration.reset_phone"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _seal(value: dict[str, Any]) -> str:
    return base64.b64encode(pii.encrypt(json.dumps(value))).decode()


def _unseal(request: HttpRequest, key: str) -> dict[str, Any] | None:
    sealed = request.session.get(key)
    if not sealed:
        return None
    try:
        value: dict[str, Any] = json.loads(pii.decrypt(base64.b64decode(sealed)))
    except (ValueError, TypeError):
        request.session.pop(key, None)
        return None
    return value


def _pending(request: HttpRequest) -> PendingRegistration | None:
    value = _unseal(request, PENDING_KEY)
    try:
        return PendingRegistration(**value) if value else None
    except TypeError:
        return None


def _closed(request: HttpRequest) -> HttpResponse:
    """Say that nothing can be done by phone here while no SMS gateway is configured."""
    return render(
        request,
        "registration/refused.html",
        {
            "reason": "no_gateway",
            "title": _("Not available yet"),
            "text": _(
                "Codes cannot be sent by text message yet, so accounts cannot be registered or "
                "passwords reset by phone here. Take your ID card to the bureau's service desk."
            ),
        },
        status=503,
    )


def register(request: HttpRequest) -> HttpResponse:
    """Take the worker's name, ID, township, phone and password; send the phone a code."""
    if request.user.is_authenticated:
        return redirect("home")
    if not sms.can_send():
        return _closed(request)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pending = form.pending()
        try:
            services.start_registration(pending, address=client_ip_address(request))
        except RateLimited as error:
            form.add_error(None, error.detail)
        else:
            request.session[PENDING_KEY] = _seal(asdict(pending))
            return redirect("registration:confirm")
    return render(
        request, "registration/register.html", {"form": form, "providers": get_providers()}
    )


# The reason each refusal names itself by on its page (for tests and the browser journey).
_REFUSALS = {
    Outcome.ACCOUNT_EXISTS: "account_exists",
    Outcome.PHONE_TAKEN: "phone_taken",
    Outcome.IDENTITY_MISMATCH: "identity_mismatch",
    Outcome.CONFIRM_IDENTITY: "confirm_identity",
}


def _refusal_text(outcome: Outcome) -> str:
    # The English source strings are spelled out for makemessages.
    return {
        Outcome.ACCOUNT_EXISTS: _(
            "An account already exists for this person. Log in with it, or set a new password "
            "with the mobile phone number confirmed for it. If you can do neither, take your "
            "ID card to the bureau's service desk."
        ),
        Outcome.PHONE_TAKEN: _(
            "This mobile phone number is already confirmed for another account. Log in with "
            "that account, or set a new password for it with this number."
        ),
        Outcome.IDENTITY_MISMATCH: _(
            "We cannot register you with this name and citizen ID number. Check both against "
            "your ID card and register again. If they are right, take your ID card to the "
            "bureau's service desk."
        ),
        Outcome.CONFIRM_IDENTITY: _(
            "You are already in the register, with another mobile phone number or none. "
            "To protect your record, an account is linked to it only once you have confirmed "
            "who you are: take your ID card to the bureau's service desk, or confirm who you "
            "are with one of the services below if one is listed."
        ),
    }[outcome]


def _code_error(form: CodeForm | ResetConfirmForm, result: services.Result) -> None:
    if result.outcome is Outcome.WRONG_CODE:
        form.add_error(
            "code",
            _("The code is wrong. You have {count} more tries.").format(count=result.tries_left),
        )
    else:
        form.add_error(
            "code", _("This code has run out or been used. Ask for a new code and try again.")
        )


def _finish(request: HttpRequest, result: services.Result) -> HttpResponse | None:
    """Sign the new worker in, or show why no account was made; None for a code error."""
    if result.outcome in (Outcome.CREATED, Outcome.LINKED):
        request.session.pop(PENDING_KEY, None)
        request.session.pop(VERIFIED_KEY, None)
        assert result.user is not None
        login(request, result.user, backend=MODEL_BACKEND)
        messages.success(
            request,
            _(
                "Your account is ready. Log in with your mobile phone number or the username "
                "{username}."
            ).format(username=result.user.username),
        )
        return redirect("home")
    if result.outcome in (Outcome.WRONG_CODE, Outcome.EXPIRED_CODE):
        return None
    request.session.pop(PENDING_KEY, None)
    request.session.pop(VERIFIED_KEY, None)
    return render(
        request,
        "registration/refused.html",
        {
            "reason": _REFUSALS[result.outcome],
            "text": _refusal_text(result.outcome),
            "providers": get_providers() if result.outcome is Outcome.CONFIRM_IDENTITY else [],
        },
    )


def confirm(request: HttpRequest) -> HttpResponse:
    """Take the code sent to the phone and make the account; sign the worker in."""
    pending = _pending(request)
    if pending is None:
        return redirect("registration:register")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.complete_registration(
                pending, form.cleaned_data["code"], address=client_ip_address(request)
            )
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            answer = _finish(request, result)
            if answer is not None:
                return answer
            _code_error(form, result)
    return render(
        request,
        "registration/confirm.html",
        {"form": form, "phone_masked": pii.mask_phone(pending.phone)},
    )


@require_POST
def resend(request: HttpRequest) -> HttpResponse:
    """Send a new registration code (the old one stops working), within the limits."""
    pending = _pending(request)
    if pending is None:
        return redirect("registration:register")
    try:
        services.start_registration(pending, address=client_ip_address(request))
    except RateLimited as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("A new code was sent."))
    return redirect("registration:confirm")


def reset_request(request: HttpRequest) -> HttpResponse:
    """Take the mobile number of an account whose password is forgotten; send it a code."""
    if not sms.can_send():
        return _closed(request)
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            services.start_password_reset(phone, address=client_ip_address(request))
        except RateLimited as error:
            form.add_error(None, error.detail)
        else:
            request.session[RESET_KEY] = _seal({"phone": phone})
            return redirect("registration:reset_confirm")
    return render(request, "registration/reset_request.html", {"form": form})


def reset_confirm(request: HttpRequest) -> HttpResponse:
    """Take the code and the new password; end the account's other sessions."""
    sealed = _unseal(request, RESET_KEY)
    if not sealed:
        return redirect("registration:reset")
    phone = str(sealed.get("phone", ""))
    form = ResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.reset_password(
                phone,
                form.cleaned_data["code"],
                form.cleaned_data["password1"],
                address=client_ip_address(request),
            )
        except DomainError as error:
            form.add_error(None, error.detail)
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            if result.outcome is Outcome.RESET:
                request.session.pop(RESET_KEY, None)
                messages.success(request, _("Your password was changed. Log in with it."))
                return redirect("accounts:login")
            _code_error(form, result)
    return render(
        request,
        "registration/reset_confirm.html",
        {"form": form, "phone_masked": pii.mask_phone(phone)},
    )


@require_POST
def provider_begin(request: HttpRequest, key: str) -> HttpResponse:
    """Send the browser to an identity provider (404 for one not configured)."""
    try:
        provider = get_provider(key)
    except NotFound:
        raise Http404 from None
    callback = request.build_absolute_uri(reverse("registration:provider_callback", args=[key]))
    return provider.begin(request, callback)


def provider_callback(request: HttpRequest, key: str) -> HttpResponse:
    """Take the identity the provider verified; ask for what it does not vouch for."""
    try:
        provider = get_provider(key)
    except NotFound:
        raise Http404 from None
    try:
        identity = provider.finish(request)
    except IdentityNotVerified as error:
        messages.error(request, error.detail)
        return redirect("registration:register")
    request.session[VERIFIED_KEY] = _seal(asdict(identity))
    return redirect("registration:verified")


def verified(request: HttpRequest) -> HttpResponse:
    """Finish a registration an identity provider vouched for: township, username, password."""
    sealed = _unseal(request, VERIFIED_KEY)
    if not sealed:
        return redirect("registration:register")
    identity = VerifiedIdentity(**sealed)
    form = VerifiedRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.register_verified(
                identity,
                username=form.cleaned_data["username"],
                password_hash=make_password(form.cleaned_data["password1"]),
                region_code=form.cleaned_data["region"],
            )
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            answer = _finish(request, result)
            if answer is not None:
                return answer
    return render(
        request,
        "registration/verified.html",
        {
            "form": form,
            "name": identity.name,
            "id_masked": pii.mask_id_number(identity.id_number),
            "phone_masked": pii.mask_phone(identity.phone),
        },
    )


@never_cache
@login_required
def sms_outbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the text messages the development gateway kept instead of sending, for the bureau."""
    if not request.user.can(Capability.MANAGE_SECURITY):
        raise PermissionDenied
    outbox = SmsOutboxMessage.objects.order_by("-created_at", "-id")[:OUTBOX_PAGE_SIZE]
    shows_codes = settings.JINENG_SMS_OUTBOX_SHOWS_CODES
    rows = [
        (message, message.text if shows_codes else _masked_codes(message)) for message in outbox
    ]
    return render(
        request,
        "registration/sms_outbox.html",
        {"outbox": rows, "limit": OUTBOX_PAGE_SIZE, "shows_codes": shows_codes},
    )


# The one-time code in a code message: six digits standing alone.
_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def _masked_codes(message: SmsOutboxMessage) -> str:
    """The text with its one-time code hidden (outside development, nobody reads codes)."""
    if message.purpose not in CodePurpose.values:
        return message.text
    return _CODE.sub("******", message.text)
