"""Logs never carry a clear ID or phone number: request lines, 404 warnings, tracebacks."""

import io
import logging
from collections.abc import Iterator

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.utils.log import AdminEmailHandler

from conftest import ID_A
from jineng.core.logging import MaskPersonalData, mask_personal_data

ID_X = "22058119900101123X"
PHONE = "13812345678"


def _configured_handlers() -> set[logging.Handler]:
    """The handlers settings.LOGGING and Django attached (not pytest's capture handlers)."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    return {
        handler
        for logger in loggers
        for handler in getattr(logger, "handlers", [])
        if type(handler) in (logging.StreamHandler, AdminEmailHandler)
    }


def test_every_handler_masks_personal_data():
    handlers = _configured_handlers()
    assert logging.getLogger("django.server").handlers[0] in handlers
    for handler in handlers:
        assert any(isinstance(f, MaskPersonalData) for f in handler.filters), handler


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """Capture what the configured handlers write (console and the development server's)."""
    out = io.StringIO()
    streams = [h for h in _configured_handlers() if isinstance(h, logging.StreamHandler)]
    previous = {handler: handler.setStream(out) for handler in streams}
    yield out
    for handler, stream in previous.items():
        handler.setStream(stream)


def test_development_server_request_line_is_masked(written):
    # Django's own runserver handler, logging a request line with a query string.
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    line = f"GET /api/v1/people?id_number={ID_A}&phone={PHONE} HTTP/1.1"
    handler.log_message('"%s" %s %s', line, "200", "512")
    text = written.getvalue()
    assert "/api/v1/people?id_number=220581**********36&phone=138******78 HTTP/1.1" in text
    assert ID_A not in text
    assert PHONE not in text


def test_not_found_warning_with_an_id_in_the_path_is_masked(client, db, written):
    assert client.get(f"/no-such-page/{ID_X}/{PHONE}/?id_number={ID_A}").status_code == 404
    text = written.getvalue()
    assert "Not Found: /no-such-page/220581**********3X/138******78/" in text
    assert ID_X not in text
    assert PHONE not in text


def test_traceback_and_arguments_are_masked(written):
    logger = logging.getLogger("jineng.test")
    try:
        raise ValueError(f"bad id {ID_A}")
    except ValueError:
        logger.exception("lookup of %s by %s failed", PHONE, {"phone": PHONE})
    text = written.getvalue()
    assert "lookup of 138******78 by {'phone': '138******78'} failed" in text
    assert "ValueError: bad id 220581**********36" in text
    assert ID_A not in text
    assert PHONE not in text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"id={ID_A}", "id=220581**********36"),
        (f"id={ID_X.lower()}", "id=220581**********3x"),
        (f"tel=+86{PHONE}", "tel=+138******78"),
        (f"tel=%2B86{PHONE}", "tel=%2B138******78"),
        (f"{PHONE},{PHONE}", "138******78,138******78"),
        # Longer numbers, landlines and other ids are left alone.
        ("order 1220581199001011236", "order 1220581199001011236"),
        ("tel 043512345678 id 123456", "tel 043512345678 id 123456"),
        ("phone 12812345678", "phone 12812345678"),
    ],
)
def test_mask_personal_data(text, masked):
    assert mask_personal_data(text) == masked


def test_filter_keeps_a_record_whose_arguments_do_not_fit():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %s", (PHONE,), None)
    assert MaskPersonalData().filter(record) is True
    assert record.args == (PHONE,)
