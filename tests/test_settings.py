"""Settings: flags over environment over config file; the password only from safe places, never shown."""

from __future__ import annotations

import logging
import pickle
from datetime import date

import pytest

from topdesk_preflight.settings import (
    REDACTED,
    Secret,
    Settings,
    SettingsError,
    load_settings,
    normalize_url,
    read_password_file,
)

PASSWORD = "Zz9!unique-Secret;value"
BASE_ENV = {"TOPDESK_APP_PASSWORD": PASSWORD}


def load(flags=None, env=None, **kwargs):
    flags = {"url": "acme.topdesk.net", "username": "hcp-svc", **(flags or {})}
    kwargs.setdefault("interactive", False)
    return load_settings(flags, {**BASE_ENV, **(env or {})}, **kwargs)


class TestUrlAsPeopleTypeIt:
    @pytest.mark.parametrize("typed", ["acme.topdesk.net", "https://acme.topdesk.net/", "https://acme.topdesk.net/tas",
                                       "https://acme.topdesk.net/tas/api", "https://acme.topdesk.net/tas/api/",
                                       "  https://ACME.topdesk.net/TAS/API  "])
    def test_all_mean_the_same_instance(self, typed):
        assert normalize_url(typed) == "https://acme.topdesk.net"

    def test_the_api_prefix_is_added_once(self):
        assert Settings(url="https://acme.topdesk.net/tas/api").api_url == "https://acme.topdesk.net/tas/api"

    def test_a_port_and_plain_http_are_kept(self):
        assert normalize_url("http://tde-test01:90/") == "http://tde-test01:90"
        assert Settings(url="http://tde-test01:90").port == 90
        assert Settings(url="acme.topdesk.net").port == 443

    @pytest.mark.parametrize("bad, message", [("", "No TOPdesk URL"), ("ftp://acme", "must start with https://"),
                                              ("https://", "has no host"), ("https://acme:99999", "is not a valid URL"),
                                              ("https://[", "is not a valid URL"),
                                              ("https://ac me.net", "contains spaces")])
    def test_bad_urls_say_what_to_fix(self, bad, message):
        with pytest.raises(SettingsError, match=message):
            normalize_url(bad)


class TestPriority:
    def test_flags_beat_environment_beat_config_file(self, tmp_path):
        config = tmp_path / "preflight.toml"
        config.write_text('branch = "From config"\nemail = "config@acme.example"\ntimeout = 3\n'
                          'room = ["Aurora 2.08"]\n')
        settings = load({"branch": "From flag", "config": str(config)},
                        {"TOPDESK_BRANCH": "From env", "TOPDESK_EMAIL": "env@acme.example"})
        assert settings.branch == "From flag"
        assert settings.email == "env@acme.example"
        assert settings.timeout == 3.0
        assert settings.rooms == ("Aurora 2.08",)

    def test_config_file_may_use_a_section(self, tmp_path):
        config = tmp_path / "p.toml"
        config.write_text('[topdesk_preflight]\nbranch = "HQ Stockholm"\n')
        assert load({"config": str(config)}).branch == "HQ Stockholm"

    def test_environment_names_follow_topdesk_prefix(self):
        settings = load(env={"TOPDESK_APP_PASSWORD_EXPIRES": "2027-03-31", "TOPDESK_INSECURE": "true",
                             "TOPDESK_ONLY": "rooms,auth.credentials", "TOPDESK_CONCURRENCY": "2"})
        assert settings.app_password_expires == date(2027, 3, 31)
        assert settings.insecure is True
        assert settings.only == ("rooms", "auth.credentials")
        assert settings.concurrency == 2


class TestBadSettingsGiveOneClearLine:
    @pytest.mark.parametrize("flags, env, message", [
        ({"url": None}, {}, "No TOPdesk URL given: pass --url"),
        ({"username": None}, {}, "No operator login name given: pass --username"),
        ({"app_password_expires": "31/03/2027"}, {}, "must be an ISO date like 2027-03-31"),
        ({"timeout": -1.0}, {}, "--timeout must be a positive number"),
        ({}, {"TOPDESK_TIMEOUT": "soon"}, "TOPDESK_TIMEOUT has an invalid value 'soon'"),
        ({}, {"TOPDESK_INSECURE": "maybe"}, "TOPDESK_INSECURE must be true or false"),
        ({"fail_on": "error"}, {}, "--fail-on must be 'warn' or 'fail'"),
    ])
    def test_message_names_the_setting(self, flags, env, message):
        with pytest.raises(SettingsError, match=message):
            load(flags, env)

    def test_missing_config_file(self, tmp_path):
        with pytest.raises(SettingsError, match="does not exist: fix --config"):
            load({"config": str(tmp_path / "nope.toml")})

    def test_invalid_toml(self, tmp_path):
        config = tmp_path / "bad.toml"
        config.write_text("branch = \n")
        with pytest.raises(SettingsError, match="is not valid TOML"):
            load({"config": str(config)})

    def test_unknown_config_keys(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text('brnch = "HQ"\n')
        with pytest.raises(SettingsError, match="Unknown setting.*brnch"):
            load({"config": str(config)})


class TestPasswordSources:
    def test_from_the_environment(self):
        assert load().password.reveal() == PASSWORD

    def test_from_a_file_first_line_stripped(self, tmp_path):
        secret_file = tmp_path / "pw"
        secret_file.write_text(PASSWORD + "\nsecond line\n")
        settings = load({"app_password_file": str(secret_file)}, env={"TOPDESK_APP_PASSWORD": ""})
        assert settings.password.reveal() == PASSWORD

    def test_from_a_prompt_only_on_a_terminal(self):
        asked = []

        def prompt(username):
            asked.append(username)
            return Secret(PASSWORD)

        settings = load(env={"TOPDESK_APP_PASSWORD": ""}, interactive=True, prompt=prompt)
        assert asked == ["hcp-svc"] and settings.password.reveal() == PASSWORD
        with pytest.raises(SettingsError, match="No application password: set TOPDESK_APP_PASSWORD"):
            load(env={"TOPDESK_APP_PASSWORD": ""}, interactive=False, prompt=prompt)

    def test_unreadable_or_empty_password_files(self, tmp_path):
        with pytest.raises(SettingsError, match="does not exist: fix --app-password-file"):
            load({"app_password_file": str(tmp_path / "missing")}, env={"TOPDESK_APP_PASSWORD": ""})
        empty = tmp_path / "empty"
        empty.write_text("\n")
        with pytest.raises(SettingsError, match="is empty"):
            load({"app_password_file": str(empty)}, env={"TOPDESK_APP_PASSWORD": ""})

    def test_a_config_file_may_not_hold_the_password(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text(f'app_password = "{PASSWORD}"\n')
        with pytest.raises(SettingsError) as caught:
            load({"config": str(config)})
        assert "never store the application password" in str(caught.value)
        assert PASSWORD not in str(caught.value)

    def test_there_is_no_flag_that_takes_the_password(self):
        from topdesk_preflight.cli import build_parser

        options = {o for action in build_parser()._actions for o in action.option_strings}
        assert not {o for o in options if "password" in o} - {"--app-password-file", "--app-password-expires"}


class TestSecretNeverShows:
    def test_repr_str_format_and_settings_repr(self, caplog):
        secret = Secret(PASSWORD)
        settings = Settings(url="acme.topdesk.net", username="hcp-svc", password=secret)
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("topdesk_preflight.test").debug("settings %s %r %s", settings, secret, secret)
        shown = [repr(secret), str(secret), f"{secret}", f"{secret:>40}", "%s" % secret, repr(settings),
                 str(settings), str(settings.public()), caplog.text]
        for text in shown:
            assert PASSWORD not in text
        assert REDACTED in str(secret)

    def test_public_settings_say_only_that_a_password_was_given(self):
        public = load().public()
        assert public["password_given"] is True
        assert PASSWORD not in repr(public)

    def test_secret_cannot_be_pickled_or_changed(self):
        secret = Secret(PASSWORD)
        with pytest.raises(TypeError):
            pickle.dumps(secret)
        with pytest.raises(AttributeError):
            secret._value = "other"

    def test_error_messages_never_carry_it(self, tmp_path):
        bad = tmp_path / "pw"
        bad.write_bytes(b"\xff\xfe" + PASSWORD.encode())
        with pytest.raises(SettingsError) as caught:
            load({"app_password_file": str(bad)}, env={"TOPDESK_APP_PASSWORD": ""})
        assert PASSWORD not in str(caught.value)


class TestSilencesFromTheConfigFile:
    def test_each_silence_has_an_id_a_reason_and_an_optional_end_date(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text('[[silence]]\nid = "rooms.reservable"\nreason = "managed by facilities"\n'
                          'until = 2027-01-31\n\n[[silence]]\nid = "network.tls"\nreason = "internal CA"\n')
        silences = load({"config": str(config)}).silences
        assert [(s.id, s.reason, s.until) for s in silences] == [
            ("rooms.reservable", "managed by facilities", date(2027, 1, 31)), ("network.tls", "internal CA", None)]

    @pytest.mark.parametrize("body, message", [
        ('[[silence]]\nreason = "x"\n', "needs an id"),
        ('[[silence]]\nid = "rooms.typed"\n', "needs a reason"),
        ('[[silence]]\nid = "rooms.typed"\nreason = "x"\nuntil = "next week"\n', "must be an ISO date"),
        ('silence = "rooms.typed"\n', "must be a list"),
    ])
    def test_bad_silences_say_what_to_fix(self, tmp_path, body, message):
        config = tmp_path / "c.toml"
        config.write_text(body)
        with pytest.raises(SettingsError, match=message):
            load({"config": str(config)})


class TestNoSecretInAConfigFile:
    """Config files get committed and attached to tickets: a key that looks like a secret is refused anywhere."""

    @pytest.mark.parametrize("body, key", [
        ('password = "{v}"\n', "password"),
        ('Application-Password = "{v}"\n', "Application-Password"),
        ('[topdesk_preflight]\nbranch = "HQ"\nsmtp_passwd = "{v}"\n', "topdesk_preflight.smtp_passwd"),
        ('api_token = "{v}"\n', "api_token"),
        ('[proxy]\nclient-secret = "{v}"\n', "proxy.client-secret"),
        ('[targets.acme]\nurl = "acme.topdesk.net"\napikey = "{v}"\n', "targets.acme.apikey"),
        ('[a.b.c]\nAPI_KEY = "{v}"\n', "a.b.c.API_KEY"),
        ('[[silence]]\nid = "rooms.typed"\nreason = "x"\n\n[[silence]]\nid = "network.tls"\nreason = "y"\n'
         'credentials = "{v}"\n', "silence[2].credentials"),
        ('[[silence]]\nid = "rooms.typed"\nreason = "x"\nextra = {{ token = "{v}" }}\n', "silence[1].extra.token"),
    ])
    def test_a_secret_key_at_any_level_is_refused_naming_the_key_and_the_file(self, tmp_path, body, key):
        config = tmp_path / "c.toml"
        config.write_text(body.format(v=PASSWORD))
        with pytest.raises(SettingsError) as caught:
            load({"config": str(config)})
        message = str(caught.value)
        assert f"contains the key {key!r}" in message and str(config) in message
        assert "never store the application password" in message and "TOPDESK_APP_PASSWORD" in message
        assert PASSWORD not in message and "\n" not in message

    def test_the_demo_refuses_one_too(self, tmp_path):
        from topdesk_preflight.settings import load_silences

        config = tmp_path / "c.toml"
        config.write_text(f'[[silence]]\nid = "rooms.typed"\nreason = "x"\ntoken = "{PASSWORD}"\n')
        with pytest.raises(SettingsError, match="silence"):
            load_silences(config)

    def test_keys_that_only_point_at_the_password_or_date_it_are_allowed(self, tmp_path):
        password_file = tmp_path / "pw.txt"
        password_file.write_text(PASSWORD + "\n")
        config = tmp_path / "c.toml"
        config.write_text(f'app_password_file = "{password_file}"\napp-password-expires = 2027-03-31\n'
                          '[targets.acme]\npassword_env = "ACME_APP_PASSWORD"\npassword_file = "acme.txt"\n')
        settings = load({"config": str(config)}, env={"TOPDESK_APP_PASSWORD": ""})
        assert settings.password.reveal() == PASSWORD
        assert settings.app_password_expires == date(2027, 3, 31)

    def test_a_value_that_mentions_a_password_is_no_secret(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text('[[silence]]\nid = "auth.app_password_expiry"\nreason = "password rotated monthly"\n')
        assert load({"config": str(config)}).silences[0].reason == "password rotated monthly"

    @pytest.mark.parametrize("key, secret", [
        ("password", True), ("smtp-PASSWD", True), ("oauth_token", True), ("ApiKey", True), ("api-key", True),
        ("client_secret", True), ("credential_store", True), ("app_password", True),
        ("app_password_file", False), ("app-password-file", False), ("password_env", False),
        ("password_file", False), ("app_password_expires", False), ("timeout", False), ("username", False),
    ])
    def test_the_rule_for_keys(self, key, secret):
        from topdesk_preflight.settings import is_secret_key

        assert is_secret_key(key) is secret


def test_a_url_with_a_login_in_it_is_refused_without_echoing_it():
    with pytest.raises(SettingsError) as caught:
        normalize_url("https://hcp-svc:" + PASSWORD + "@acme.topdesk.net")
    assert "contains a login" in str(caught.value)
    assert PASSWORD not in str(caught.value)


@pytest.mark.parametrize("typed", ["[::]@]", "https://]", "https://exa mple.net", "https://-bad-.example",
                                   "https://a..b"])
def test_urls_without_a_valid_host_are_settings_errors(typed):
    with pytest.raises(SettingsError):
        normalize_url(typed)


def test_international_and_ipv6_hosts_are_accepted():
    assert normalize_url("https://bokning.exempel.se") == "https://bokning.exempel.se"
    assert normalize_url("https://[::1]:8443/tas") == "https://[::1]:8443"
    assert normalize_url("https://räksmörgås.se").startswith("https://")


# --- the secret never leaves: URL typos, password files, characters Basic cannot carry ----------------

@pytest.mark.parametrize("typo", ["http:/hcp-svc:Pw-Secr3t-99@acme.topdesk.net",
                                  "http//hcp-svc:Pw-Secr3t-99@acme.topdesk.net",
                                  "https://acme.topdesk.net/hcp-svc:Pw-Secr3t-99",
                                  "https://hcp-svc:Pw-Secr3t-99@[bad"])
def test_a_url_that_carries_a_login_anywhere_is_refused_without_echoing_it(typo):
    with pytest.raises(SettingsError) as caught:
        normalize_url(typo)
    assert "Pw-Secr3t-99" not in str(caught.value) and "login or a password" in str(caught.value)


def test_a_url_with_a_port_and_a_path_is_still_fine():
    assert normalize_url("https://acme.example:8443/topdesk/tas/api") == "https://acme.example:8443/topdesk"


def test_a_password_file_saved_with_a_byte_order_mark_reads_the_password_only(tmp_path):
    path = tmp_path / "pw.txt"
    path.write_bytes("\ufeffS3cret-from-Notepad\r\n".encode("utf-8"))
    assert read_password_file(path).reveal() == "S3cret-from-Notepad"


def test_a_password_pasted_where_the_file_name_belongs_is_never_echoed():
    with pytest.raises(SettingsError) as caught:
        read_password_file("Xq9-pasted-PASSWORD-value")
    assert "Xq9-pasted-PASSWORD-value" not in str(caught.value)
    assert "TOPDESK_APP_PASSWORD" in str(caught.value)
    with pytest.raises(SettingsError, match="'/nope/pw.txt' does not exist"):
        read_password_file("/nope/pw.txt")  # a real path is named, to be fixed


def test_a_password_http_basic_cannot_carry_is_refused_at_load_without_showing_it():
    with pytest.raises(SettingsError) as caught:
        load({"url": "acme.topdesk.net", "username": "hcp-svc", "branch": "HQ"},
             {"TOPDESK_APP_PASSWORD": "pass\u20acword-\u4e2d"})
    text = str(caught.value)
    assert "Latin-1" in text and "\u20ac" not in text and "\u4e2d" not in text and "word-" not in text


@pytest.mark.parametrize("flags, expected", [
    ({"deadline": "inf"}, "--deadline must be a positive number of seconds, at most 3600"),
    ({"timeout": "nan"}, "--timeout must be a positive number"),
    ({"concurrency": "100000"}, "--concurrency must be a whole number from 1 to 64"),
])
def test_settings_that_would_never_end_or_start_too_much_are_refused(flags, expected):
    with pytest.raises(SettingsError, match=expected):
        load(flags)


def test_a_toml_datetime_where_a_date_belongs_is_refused_before_the_run(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[[silence]]\nid = "rooms.reservable"\nreason = "x"\nuntil = 2027-01-31T10:00:00\n',
                      encoding="utf-8")
    with pytest.raises(SettingsError, match="without a time"):
        load(config_path=str(config))


@pytest.mark.parametrize("values, expected", [
    ({"timeout": -5}, "timeout must be a positive number of seconds"),
    ({"deadline": float("inf")}, "deadline must be a positive number"),
    ({"concurrency": 0}, "concurrency must be a whole number from 1 to 64"),
    ({"fail_on": "maybe"}, "fail_on must be 'warn' or 'fail'"),
    ({"retries": -1}, "retries must be a whole number from 0 to 100"),
    ({"expiry_warning_days": -3}, "expiry_warning_days must be 0 or more"),
])
def test_settings_are_validated_on_the_class_for_library_callers_too(values, expected):
    with pytest.raises(SettingsError, match=expected):
        Settings(url="acme.topdesk.net", username="u", **values)


def test_a_datetime_expiry_given_to_the_class_is_refused_and_an_iso_text_is_read():
    from datetime import datetime

    with pytest.raises(SettingsError, match="without a time"):
        Settings(url="acme.topdesk.net", username="u", app_password_expires=datetime(2027, 3, 31, 10, 0))
    assert Settings(url="acme.topdesk.net", username="u",
                    app_password_expires="2027-03-31").app_password_expires == date(2027, 3, 31)


class TestRedact:
    """--redact is wired like every other boolean: flag, TOPDESK_REDACT, config file; off by default."""

    def test_off_unless_asked_for(self):
        settings = load()
        assert settings.redact is False and settings.redaction_map is None

    def test_from_a_flag_the_environment_or_the_config_file(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text('redact = true\nredaction_map = "keys/acme.redaction-map.json"\n', encoding="utf-8")
        assert load({"redact": True}).redact is True
        assert load(env={"TOPDESK_REDACT": "1", "TOPDESK_REDACTION_MAP": "k.json"}).redaction_map == "k.json"
        from_file = load({"config": str(config)})
        assert from_file.redact is True and from_file.redaction_map == "keys/acme.redaction-map.json"

    def test_a_key_file_without_redact_is_refused(self):
        with pytest.raises(SettingsError, match="--redaction-map names the key file of a redacted run"):
            load({"redaction_map": "k.json"})

    def test_redact_must_be_true_or_false(self):
        with pytest.raises(SettingsError, match="TOPDESK_REDACT must be true or false"):
            load(env={"TOPDESK_REDACT": "please"})
