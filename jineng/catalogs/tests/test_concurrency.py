"""Two administrators publishing versions of one catalog at once: only one may win (PostgreSQL)."""

import datetime
import threading
from unittest import mock

import pytest
from django.db import IntegrityError, connection

from jineng.catalogs import services
from jineng.catalogs.choices import VersionStatus
from jineng.catalogs.models import CatalogVersion
from jineng.catalogs.tests.helpers import draft_with, explain_all, subsidy
from jineng.core.errors import DomainError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _two_drafts(editor):
    """Two drafts of the same catalog, both based on nothing yet published."""
    drafts = []
    for fen in (80000, 90000):
        version = draft_with(editor, [subsidy(fen=fen)])
        explain_all(version, editor)
        services.submit_version(version.pk, actor=editor)
        drafts.append(version)
    return drafts


def _publish_at_once(drafts, publisher):
    today = datetime.date.today()
    days = [today + datetime.timedelta(days=n) for n in (1, 2)]
    barrier = threading.Barrier(len(drafts))
    errors: list[BaseException] = []

    def publish(version, day):
        try:
            barrier.wait()
            services.publish_version(version.pk, actor=publisher, effective_from=day)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=publish, args=(v, d)) for v, d in zip(drafts, days, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _widen_the_window():
    """Pause between the checks and the writes, as a busy server would."""
    from jineng.catalogs.services import review

    real = review._check_dates

    def slow(*args, **kwargs):
        real(*args, **kwargs)
        connection.cursor().execute("SELECT pg_sleep(0.2)")

    return mock.patch.object(review, "_check_dates", slow)


def test_concurrent_publications_of_one_catalog_do_not_both_win(
    catalog_data, bureau_admin, publisher
):
    drafts = _two_drafts(bureau_admin)
    with _widen_the_window():
        errors = _publish_at_once(drafts, publisher)
    assert len(errors) == 1
    # The loser was refused by a rule, seen after the winner's commit, not by the database.
    assert isinstance(errors[0], DomainError)
    assert CatalogVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == 1
    assert CatalogVersion.objects.filter(status=VersionStatus.IN_REVIEW).count() == 1


def test_control_without_the_lock_both_publishers_pass_the_checks(
    catalog_data, bureau_admin, publisher
):
    """Control: without the catalog lock both publishers see no published version, pass every
    check and write; only the last-resort unique constraint stops the second, as a crash."""
    drafts = _two_drafts(bureau_admin)
    passed = []
    from jineng.catalogs.services import review

    real = review._check_dates

    def counting(*args, **kwargs):
        real(*args, **kwargs)
        passed.append(args[0].pk)
        connection.cursor().execute("SELECT pg_sleep(0.2)")

    with (
        mock.patch("jineng.catalogs.locks.catalog_for_update", return_value=None),
        mock.patch.object(review, "_check_dates", counting),
    ):
        errors = _publish_at_once(drafts, publisher)
    assert sorted(passed) == sorted(v.pk for v in drafts)
    assert len(errors) == 1
    assert isinstance(errors[0], IntegrityError)
