"""Chinese everywhere a user looks: every demo role signs in at desktop (1366 px) and phone (360 px) width and
visits its home page and the pages of its navigation; no page may show a raw key (``non_leading``) or an English
word outside the allowed terms (AQI, PM2.5, HJ 212 …), and no page may raise a script error.

Each role's home page is visited at both widths; each distinct navigation page at least once per width (by the
first role that has it), which keeps the test to a few minutes."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from envgrid.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from envgrid.demo.loader import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 360, "height": 740}}

#: Latin-script terms a Chinese user reads as they are: pollutants and indices, standards, protocols and file
#: formats, units, HJ 212 field names, and the proper nouns of the demo data.
ALLOWED = frozenset(
    {
        # air quality
        "AQI", "IAQI", "PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "O3-8h", "NOx", "VOCs", "COD",
        # standards and protocols
        "HJ", "GB", "API", "Open311", "Token", "URL", "ID", "MN", "CN", "QN", "PW", "ST", "CP", "CRC",
        "Excel", "GeoJSON", "CSV", "JSON", "PDF", "XLSX", "HTTP", "HTTPS", "TCP",
        "xlsx", "csv", "json", "geojson", "pdf", "jpg", "png",  # file name extensions (.xlsx)
        # units
        "km", "m", "m²", "km²", "kPa", "m/s", "mg/m³", "μg/m³", "µg/m³", "ng/m³", "h",
        # brands: the product's English name, the map library credited on every map
        "EnvGrid", "WeChat", "Leaflet",
    }
)  # fmt: skip

#: A Latin-script token: letters with the digits, dots, slashes, dashes and superscripts that join them.
TOKEN = re.compile(r"[A-Za-z_µμ][A-Za-z0-9_.\-/²³µμ₀-₉]*")


def english_in(text: str) -> list[str]:
    """The Latin-script tokens of a page's visible text that are not allowed terms (raw keys and English)."""
    found = []
    for token in TOKEN.findall(text):
        token = token.strip(".-/")
        if not token or token in ALLOWED or _allowed_compound(token):
            continue
        found.append(token)
    return found


def _allowed_compound(token: str) -> bool:
    """Codes and numbers people read as they are: MN numbers (5A4A…), HJ 212 factor codes (a34004), case and
    object numbers (AJ-2026-0001), versions (HJ 633-2026), and allowed terms joined by a slash (PM2.5/PM10)."""
    if re.fullmatch(r"[A-Z0-9]{2,}[-0-9A-Z]*\d[-0-9A-Z]*", token):  # codes with digits: 5A4A00…, AJ-2026-0001
        return True
    if re.fullmatch(r"[a-z]\d{5}", token):  # HJ 212 factor code
        return True
    if re.fullmatch(r"[A-D]", token):  # performance grades A+ … D, level letters
        return True
    if re.fullmatch(r"(SO|NO|O)[₂₃]", token):  # SO₂, NO₂, O₃ as set in labels
        return True
    parts = [p for p in re.split(r"[/\-]", token) if p]
    return len(parts) > 1 and all(p in ALLOWED or p.isdigit() for p in parts)


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


NAV_LINKS = "#eg-nav .navbar-nav a.nav-link[href]"
#: Below a navigation page: its tabs, and the first record of its list (a detail page).
SUB_LINKS = ".nav-tabs a.nav-link[href], .nav-pills a.nav-link[href], main table tbody tr:first-child a[href]"
#: Record pages linked from anywhere in a page's main part (a case, a directive, a warning …).
DETAIL_LINKS = "main a[href]"
DETAIL_PATH = re.compile(r"^/[a-z0-9/-]*/\d+/$")
#: Links that answer with a file, not a page.
FILE_PATH = re.compile(r"export|download|template|photo|thumbnail|evidence|media|attachment|\.(xlsx|csv|json|pdf)$")


def _links(page, base: str, selector: str) -> list[str]:
    """The site's pages linked by the elements matching selector (visible or folded behind the menu button)."""
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if href.startswith(base) and path not in paths and parts.path != "/" and not FILE_PATH.search(parts.path):
            paths.append(path)
    return paths


def _kind(path: str) -> str:
    """A page kind: the path with record ids replaced, so one detail page stands for all."""
    return re.sub(r"/\d+/", "/<id>/", path.split("?")[0])


#: The page's visible text, and the text of what is to be typed as it is (commands, column names, formats).
LITERAL_TEXT = """() => [document.body.innerText,
    [...document.querySelectorAll("code, kbd, samp")].map(e => e.innerText).filter(t => t.trim())]"""


def _visit(page, url: str) -> str:
    page.goto(url)
    try:
        page.wait_for_load_state("networkidle", timeout=5_000)
    except PlaywrightTimeout:
        pass  # a page that polls keeps the network busy; what it shows after load is what we check
    text, literals = page.evaluate(LITERAL_TEXT)
    for literal in sorted(literals, key=len, reverse=True):
        text = text.replace(literal, " ")
    return text


def test_every_role_sees_chinese_and_no_script_error_at_desktop_and_phone_width(browser, live_server):
    demo_load()
    base = live_server.url
    problems: list[str] = []
    for width_name, viewport in WIDTHS.items():
        visited: set[str] = set()
        for username, _role, _hint in DEMO_ACCOUNTS:
            context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=width_name == "phone")
            context.set_default_timeout(20_000)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
            _sign_in(page, base, username)
            home = urlsplit(page.url).path
            queue = [home] + _links(page, base, NAV_LINKS)
            while queue:
                path = queue.pop(0)
                if _kind(path) in visited and path != home:
                    continue
                visited.add(_kind(path))
                errors.clear()
                text = _visit(page, base + path)
                if _kind(path) != _kind(home):
                    queue.extend(p for p in _links(page, base, SUB_LINKS) if _kind(p) not in visited)
                    details = [p for p in _links(page, base, DETAIL_LINKS) if DETAIL_PATH.match(p)]
                    queue.extend(p for p in details if _kind(p) not in visited)
                english = english_in(text)
                if english:
                    problems.append(f"{width_name} {username} {path}: {sorted(set(english))}")
                if errors:
                    problems.append(f"{width_name} {username} {path}: script error {errors}")
            context.close()
        print(width_name, sorted(visited))  # what was covered, in the output of -s
    assert not problems, "\n".join(problems)
