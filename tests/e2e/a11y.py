"""Accessibility checks run on every page a journey visits.

Four independent oracles, so that a gap in one tool does not hide a problem:

* axe-core (from npm, ``node_modules/axe-core``) for WCAG 2.x A/AA and best practice rules;
  violations of impact *serious* or *critical* fail the test, lesser ones are printed.
* Chromium's own accessibility tree (DevTools protocol) for the accessible name of every
  form control, as a screen reader would announce it.
* The ``lang`` attribute of ``<html>`` against the UI language the user chose.
* A Tab walk through the page proving that keyboard focus is visible on every stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = frozenset({"serious", "critical"})
# Roles whose nodes a user operates; each needs an accessible name.
CONTROL_ROLES = frozenset(
    {
        "button",
        "checkbox",
        "combobox",
        "listbox",
        "menuitem",
        "radio",
        "searchbox",
        "slider",
        "spinbutton",
        "switch",
        "textbox",
        "link",
    }
)
# Django's language codes and the BCP 47 tag <html lang> must carry for each.
HTML_LANG = {"zh-hans": "zh-CN", "en": "en"}
MAX_TAB_STOPS = 25


class AccessibilityError(AssertionError):
    """A page failed an accessibility check; the message lists every problem found."""


@dataclass(frozen=True)
class Violation:
    """One failed axe rule with the nodes it failed on."""

    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        targets = ", ".join(self.targets[:8])
        more = f" (+{len(self.targets) - 8} more)" if len(self.targets) > 8 else ""
        return f"[{self.impact}] {self.rule}: {self.help} — {targets}{more} ({self.help_url})"


@cache
def axe_source() -> str:
    """Return axe-core's script; a missing file is a set-up error, not a skip."""
    if not AXE_PATH.exists():
        raise AccessibilityError(f"{AXE_PATH} is missing: run `make install` (npm ci).")
    return AXE_PATH.read_text(encoding="utf-8")


def run_axe(page: Page) -> list[Violation]:
    """Run axe-core on the current document and return all its violations."""
    # evaluate() goes through the DevTools protocol, so a Content-Security-Policy cannot block it.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result: dict[str, Any] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                rule: v.id, impact: v.impact || 'minor', help: v.help, help_url: v.helpUrl,
                targets: v.nodes.map(n => n.target.join(' '))}));
        }"""
    )
    return [
        Violation(
            rule=v["rule"],
            impact=v["impact"],
            help=v["help"],
            help_url=v["help_url"],
            targets=tuple(v["targets"]),
        )
        for v in result
    ]


def unnamed_controls(page: Page) -> list[str]:
    """List the controls that Chromium's accessibility tree gives no accessible name."""
    session = page.context.new_cdp_session(page)
    try:
        tree = session.send("Accessibility.getFullAXTree")
    finally:
        session.detach()
    problems = []
    for node in tree["nodes"]:
        if node.get("ignored"):
            continue
        role = (node.get("role") or {}).get("value", "")
        if role not in CONTROL_ROLES:
            continue
        name = ((node.get("name") or {}).get("value") or "").strip()
        if not name:
            problems.append(f"{role} (backend node {node.get('backendDOMNodeId')}) has no name")
    if problems:
        # Name the offending elements by a CSS-ish description for the report.
        described = page.evaluate(
            """() => [...document.querySelectorAll(
                'input:not([type=hidden]), select, textarea, button, a[href]')]
                .filter(el => !el.closest('[aria-hidden=true]'))
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                    && !el.getAttribute('aria-labelledby') && !el.getAttribute('title')
                    && !(el.textContent || '').trim() && !(el.value && el.type === 'submit'))
                .map(el => el.outerHTML.slice(0, 160))"""
        )
        problems.extend(f"  candidate: {html}" for html in described)
    return problems


def expected_html_lang(page: Page) -> str:
    """Return the <html lang> the UI language implies: the chosen language, else zh-CN."""
    for cookie in page.context.cookies(page.url):
        if cookie["name"] == "django_language":
            return HTML_LANG.get(cookie["value"], cookie["value"])
    return HTML_LANG["zh-hans"]


def lang_problems(page: Page, expected: str | None = None) -> list[str]:
    """Compare <html lang> with the language the user is reading the UI in."""
    expected = expected or expected_html_lang(page)
    actual = page.evaluate("() => document.documentElement.getAttribute('lang')")
    if actual != expected:
        return [f'<html lang="{actual}"> but the UI language is {expected}']
    return []


_FOCUS_PROBE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    const rect = el.getBoundingClientRect();
    return {
        html: el.outerHTML.slice(0, 160),
        visible: outline || shadow,
        onscreen: rect.width > 0 && rect.height > 0,
        focusVisible: el.matches(':focus-visible'),
    };
}"""


def focus_problems(page: Page, max_stops: int = MAX_TAB_STOPS) -> list[str]:
    """Tab through the page and report every stop whose focus is not visibly indicated."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    problems: list[str] = []
    seen: set[str] = set()
    for _ in range(max_stops):
        page.keyboard.press("Tab")
        probe = page.evaluate(_FOCUS_PROBE)
        if probe is None or probe["html"] in seen:
            break
        seen.add(probe["html"])
        if not probe["visible"]:
            problems.append(f"focus is not visible (no outline or box-shadow) on {probe['html']}")
        if not probe["onscreen"]:
            problems.append(f"focus lands on an element with no size: {probe['html']}")
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    return problems


@dataclass
class A11yReport:
    """What one page's checks found: failures fail the test, notes are printed."""

    url: str
    failures: list[str]
    notes: list[str]


def check_page(page: Page, *, focus: bool = True, lang: str | None = None) -> A11yReport:
    """Run every accessibility check on the current page and return what they found."""
    violations = run_axe(page)
    failures = [f"axe {v}" for v in violations if v.impact in FAILING_IMPACTS]
    notes = [f"axe {v}" for v in violations if v.impact not in FAILING_IMPACTS]
    failures += unnamed_controls(page)
    failures += lang_problems(page, lang)
    if focus:
        failures += focus_problems(page)
    return A11yReport(url=page.url, failures=failures, notes=notes)


def check_a11y(page: Page, *, focus: bool = True, lang: str | None = None) -> A11yReport:
    """Check the current page and raise AccessibilityError listing every failure."""
    report = check_page(page, focus=focus, lang=lang)
    if report.failures:
        lines = "\n  ".join(report.failures)
        raise AccessibilityError(f"accessibility problems on {report.url}:\n  {lines}")
    return report
