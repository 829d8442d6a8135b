"""The one redaction of known secrets: every form of the password, proxy logins, nested values, log lines."""

from __future__ import annotations

import base64
import logging

from topdesk_preflight.redaction import MASK, RedactingFilter, Redactor, forms_of, inert, proxy_credentials

PASSWORD = 'Kq8#vT2!mZ&9@"xLr4<Wn7'


def test_every_spelling_of_the_password_is_a_form():
    forms = forms_of(PASSWORD, login="hcp-svc")
    assert PASSWORD in forms
    assert base64.b64encode(f"hcp-svc:{PASSWORD}".encode()).decode() in forms  # the Basic header
    assert "Kq8%23vT2%21mZ%269%40%22xLr4%3CWn7" in forms  # URL-encoded
    assert 'Kq8#vT2!mZ&9@\\"xLr4<Wn7' in forms  # JSON-escaped
    assert "Kq8#vT2!mZ&amp;9@&quot;xLr4&lt;Wn7" in forms  # HTML-escaped


def test_a_redactor_masks_text_and_nested_values_keys_included():
    redactor = Redactor.for_run(PASSWORD, "hcp-svc")
    assert redactor.text(f"said: {PASSWORD}.") == f"said: {MASK}."
    nested = {"a": [PASSWORD, {"b": (PASSWORD, 1)}], PASSWORD: None}
    assert redactor.value(nested) == {"a": [MASK, {"b": (MASK, 1)}], MASK: None}
    assert PASSWORD not in repr(redactor)


def test_nesting_deeper_than_the_cap_is_left_out_not_recursed_into():
    deep: object = "leaf"
    for _ in range(5_000):
        deep = [deep]
    cleaned = Redactor.for_run(PASSWORD, "u").value(deep)
    depth = 0
    while isinstance(cleaned, list):
        cleaned, depth = cleaned[0], depth + 1
    assert depth <= 12 and "left out" in str(cleaned)


def test_proxy_credentials_are_read_as_requests_reads_them():
    assert proxy_credentials("http://me:s%40cret@proxy:3128") == ("me", "s@cret")
    assert proxy_credentials("me:secret@proxy:3128") == ("me", "secret")  # no scheme: http assumed
    assert proxy_credentials("http://proxy:3128") is None
    assert proxy_credentials("me:secret@[bad") == ("me", "secret")  # unparseable, still found
    redactor = Redactor.for_run(None, None, ["me:Pr0xyPass@proxy:3128"])
    assert redactor.text("via me:Pr0xyPass@proxy") == f"via {MASK}@proxy"


def test_short_strings_are_not_masked_so_a_report_stays_readable():
    assert Redactor.for_run("abc", "u").text("abc abc") == "abc abc"
    assert forms_of("abc") == set()


def test_the_log_filter_masks_known_secrets_and_makes_escapes_inert():
    from topdesk_preflight import redaction

    redaction.remember(Redactor.for_run(PASSWORD, "hcp-svc"))
    record = logging.LogRecord("topdesk_preflight.x", logging.DEBUG, __file__, 1, "answer %s \x1b[31m", (PASSWORD,),
                               None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"answer {MASK} ?[31m"
    assert inert("a\u2028b\u202ec") == "a?b?c"
