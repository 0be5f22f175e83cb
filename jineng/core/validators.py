"""Validators for the national identifiers the platform relies on.

Citizen IDs follow GB 11643-1999 and credit codes GB 32100-2015; the checks themselves come
from python-stdnum, which also knows historical address codes. These functions turn its
exceptions into specific, translated reasons.
"""

from __future__ import annotations

import datetime
import re
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric, uscc

from jineng.core.errors import ValidationFailed

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
_UNIX_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class CitizenId:
    """A validated citizen ID with the facts it encodes."""

    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F": the 17th digit is odd for men, even for women.
    address_code: str


@lru_cache(maxsize=8192)
def _is_known_address_code(code: str) -> bool:
    """Tell whether an address code was ever assigned, current or historical.

    python-stdnum's own check also requires the code to have been in force in the birth
    year, but a number is assigned at household registration, which can be years after
    birth (梅河口市 became 220581 in 1989; people born earlier and registered later carry
    it), so any period is accepted here. Cached: bulk imports check the same few codes.
    """
    parts = numdb.get("cn/loc").info(code)
    return any("county" in props for _, props in parts)


def _is_future(day: datetime.date) -> bool:
    """Tell whether a date lies after today in the active time zone.

    Every time zone is within a day of UTC, so a date more than a day before today's UTC date
    is in the past everywhere; only recent dates need the slower time-zone lookup, which
    matters when a bulk import checks hundreds of thousands of birth dates.
    """
    utc_today = _UNIX_EPOCH_ORDINAL + int(time.time() // 86400)
    if day.toordinal() < utc_today - 1:
        return False
    return day > timezone.localdate()


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")
_DECIMAL = re.compile(r"^(\d{15,18})\.0+$")


def _fix() -> str:
    return _(
        "Format the ID column as text (Format Cells → Text) before typing or pasting the IDs "
        "again, then import the file again."
    )


def spreadsheet_damage(number: str) -> str | None:
    """Say how a spreadsheet changed a citizen ID typed into a number cell, or None.

    Excel keeps 15 significant digits of a number: an 18-digit ID becomes 2.20581E+17 in a
    csv, or loses its last three digits (…000); a trailing X cannot be a number and a
    program that strips it leaves 17 digits; a program that writes numbers as floats adds
    ".0". Each gets its own reason, and how to keep the IDs as text.
    """
    if _SCIENTIFIC.match(number):
        return str(
            _(
                "The citizen ID {value} was turned into scientific notation by Excel, which "
                "keeps only 15 digits of a number: the last digits are lost. {fix}"
            )
        ).format(value=_masked_scientific(number), fix=_fix())
    decimal = _DECIMAL.match(number)
    if decimal is not None:
        return str(
            _(
                "The citizen ID was stored as a number with a decimal point ({value}); numbers "
                "keep only 15 digits, so its last digits may be wrong. {fix}"
            )
        ).format(value=_masked(decimal.group(1)) + number[len(decimal.group(1)) :], fix=_fix())
    if len(number) == 17 and number.isascii() and number.isdigit():
        if ric.calc_check_digit(number) == "X":
            return str(
                _(
                    "The citizen ID {masked} has 17 digits: its last character, X, was lost, "
                    "as happens when the column is a number column. Add the X. {fix}"
                )
            ).format(masked=_masked(number + "X"), fix=_fix())
        return None
    if (
        len(number) == 18
        and number.isascii()
        and number.isdigit()
        and number[17] != ric.calc_check_digit(number)
        and _rounded_by_a_spreadsheet(number)
    ):
        return str(
            _(
                "The citizen ID {masked} has a wrong check character and its last digits are "
                "those of a rounded number: Excel keeps only 15 digits of a number and "
                "replaced the last three. {fix}"
            )
        ).format(masked=_masked(number), fix=_fix())
    return None


def imported_id_damage(value: str, *, number_cell: bool) -> str | None:
    """Say why an imported file's citizen ID cell cannot be trusted, or None.

    The rule for bulk files, on top of parse_citizen_id (which every way of entering an ID
    applies, and which already names a rounded ID whose check character is wrong):

    - a cell the workbook stored as a number is refused whatever it holds: a number keeps
      only 15 significant digits, so an 18-digit ID in one is already another number, and
      about one in eleven of those passes the check character by chance
      (220581199001013231 is read back as 220581199001012992, a valid ID of someone else);
    - in a csv, where the cell's type is lost, an 18-digit ID ending in 000 (what Excel
      writes for a number cell formatted as a whole number: 15 digits and three zeros) is
      refused even when its check character is right. A real ID can end so (order code x00,
      a woman's, then check character 0: about one ID in 1,100), so the message says to
      register such a person on their own, where this rule does not apply: an import cannot
      tell the two apart, and registering another person is worse than one person
      registered singly. Other endings of a rounded number (…012992, a float read back by a
      program) are not refused when their check character is right: Excel never writes
      them, and refusing them too would double the real IDs refused.
    """
    if number_cell:
        return str(
            _(
                "The citizen ID column was stored as a number by Excel, which keeps only 15 "
                "digits, so this ID may be another person's. {fix}"
            )
        ).format(fix=_fix())
    number = unicodedata.normalize("NFKC", value or "").strip().upper().replace(" ", "")
    if (
        len(number) == 18
        and number.isascii()
        and number.isdigit()
        and number.endswith("000")
        and number[17] == ric.calc_check_digit(number)
    ):
        return str(
            _(
                "The citizen ID {masked} ends in 000, as Excel writes an ID stored as a number "
                "(it keeps only 15 digits of a number), so it may be another person's. {fix} "
                "If the ID card really ends in 000, leave the row out and register the person "
                "on their own."
            )
        ).format(masked=_masked(number), fix=_fix())
    return None


def _rounded_by_a_spreadsheet(number: str) -> bool:
    """Tell whether 18 digits are a number kept to 15 significant digits: ending in 000, or
    what a reader makes of that number stored as a float (…011008 for …011000)."""
    value = int(number)
    return number.endswith("000") or int(float(f"{value:.15g}")) == value


def _masked_scientific(number: str) -> str:
    """A number in scientific notation with all but its address code hidden: its mantissa
    holds the birth date and most of the order (2.20581199001011E+17 → 2.20581*********E+17)."""
    mantissa, _e, exponent = number.partition("E")
    return mantissa[:7] + "*" * max(len(mantissa) - 7, 0) + "E" + exponent


def _masked(number: str) -> str:
    """An ID with its birth date and order hidden, as messages show it."""
    return number[:6] + "*" * max(len(number) - 8, 0) + number[-2:]


def parse_citizen_id(value: str, *, field: str = "id_number") -> CitizenId:
    """Validate an 18-character citizen ID and derive birth date and sex from it.

    Full-width characters are read as their ASCII forms (NFKC) and any other digit is
    refused, so that one number has one spelling and one blind index.
    """
    number = unicodedata.normalize("NFKC", value or "").strip().upper().replace(" ", "")
    if not number:
        raise ValidationFailed(_("The citizen ID number is required."), field=field)
    damage = spreadsheet_damage(number)
    if damage is not None:
        raise ValidationFailed(damage, field=field)
    if len(number) != 18:
        raise ValidationFailed(
            _("A citizen ID number has 18 characters; this one has {n}.").format(n=len(number)),
            field=field,
        )
    if not (number.isascii() and number[:17].isdigit()) or not (
        number[17].isdigit() or number[17] == "X"
    ):
        raise ValidationFailed(
            _("A citizen ID number is 17 digits followed by a digit or X."), field=field
        )
    if number[17] != ric.calc_check_digit(number):
        raise ValidationFailed(
            _("The check character of citizen ID {masked} is wrong.").format(
                masked=number[:6] + "**********" + number[16:]
            ),
            field=field,
        )
    try:
        # The same YYYYMMDD split as stdnum's ric.get_birth_date, without its re-cleaning
        # of the number: this runs once per row of a bulk import.
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationFailed(
            _("The citizen ID encodes an impossible birth date ({digits}).").format(
                digits=number[6:14]
            ),
            field=field,
        ) from None
    if _is_future(birth_date):
        raise ValidationFailed(
            _("The citizen ID encodes a birth date in the future ({date}).").format(
                date=birth_date.isoformat()
            ),
            field=field,
        )
    if not _is_known_address_code(number[:6]):
        raise ValidationFailed(
            _("The citizen ID starts with an unknown address code ({code}).").format(
                code=number[:6]
            ),
            field=field,
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return CitizenId(number=number, birth_date=birth_date, sex=sex, address_code=number[:6])


def validate_credit_code(value: str, *, field: str = "credit_code") -> str:
    """Validate an 18-character unified social credit code (统一社会信用代码)."""
    code = (value or "").strip().upper().replace(" ", "")
    if not code:
        raise ValidationFailed(_("The unified social credit code is required."), field=field)
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidLength:
        raise ValidationFailed(
            _("A unified social credit code has 18 characters; this one has {n}.").format(
                n=len(code)
            ),
            field=field,
        ) from None
    except stdnum_errors.InvalidChecksum:
        raise ValidationFailed(
            _("The check character of credit code {code} is wrong.").format(code=code),
            field=field,
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationFailed(
            _("{code} is not a well-formed unified social credit code.").format(code=code),
            field=field,
        ) from None


def normalize_mobile(value: str, *, field: str = "phone") -> str:
    """Validate a mainland mobile number (11 digits starting 13–19), dropping a +86 prefix."""
    phone = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value or ""))
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    if not MOBILE_RE.match(phone):
        raise ValidationFailed(
            _("A mobile number has 11 digits and starts with 13 to 19."), field=field
        )
    return phone
