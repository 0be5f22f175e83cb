"""An item's time is a day (a certificate's date) or a moment (a submission): the home page
shows either without failing on a day."""

import datetime

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from jineng.workspace.queries import Item, Section, Workspace


def test_a_day_and_a_moment_are_both_shown():
    moment = datetime.datetime(2026, 3, 2, 0, 30, tzinfo=datetime.UTC)
    on_a_day = Item(title="certificate", when=datetime.date(2026, 3, 1), link="/c/")
    at_a_moment = Item(title="claim", when=moment, link="/m/")
    assert (on_a_day.when_iso, on_a_day.when_shown) == ("2026-03-01", "2026-03-01")
    local = timezone.localtime(moment)
    assert at_a_moment.when_iso == local.isoformat()
    assert at_a_moment.when_shown == local.strftime("%Y-%m-%d %H:%M")


def test_the_home_page_renders_an_item_dated_by_day(rf: RequestFactory, worker):
    request = rf.get("/")
    request.user = worker
    section = Section(
        kind="certificates.own",
        heading="Your certificates",
        count=1,
        items=[Item(title="电工 五级", when=datetime.date(2026, 3, 1), link="/verify/X/")],
        action="Verify",
    )
    html = render_to_string(
        "workspace/home.html", {"workspace": Workspace(sections=[section])}, request=request
    )
    assert '<time datetime="2026-03-01">2026-03-01</time>' in html
