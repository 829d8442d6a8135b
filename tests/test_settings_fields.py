"""The one table of settings: every source reads a setting by its row, and a message names the source to fix."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from topdesk_preflight.fleet_targets import load_targets
from topdesk_preflight.settings import Settings, SettingsError, load_settings
from topdesk_preflight.settings_fields import FIELDS, Fleet, Kind, fleet_fields

PASSWORD = {"TOPDESK_APP_PASSWORD": "pw"}
BASE = {"url": "acme.topdesk.net", "username": "hcp-svc"}


def load(flags=None, env=None, config_path=None):
    return load_settings({**BASE, **(flags or {})}, {**PASSWORD, **(env or {})}, config_path=config_path,
                         interactive=False)


def targets(tmp_path: Path, extra: str) -> list:
    path = tmp_path / "targets.toml"
    path.write_text("[[tenant]]\nname = 'Acme'\nurl = 'acme.topdesk.net'\nusername = 'u'\nbranch = 'B'\n"
                    f"password_env = 'ACME_APP_PASSWORD'\n{extra}", encoding="utf-8")
    return load_targets(path, environ={"ACME_APP_PASSWORD": "pw"})


class TestOneRuleWhateverTheSource:
    """timeout = -1 is refused by the same words from a flag, a variable, a config file, a tenant and a caller."""

    RULE = "must be a positive number of seconds, at most 3600, not "

    def test_the_flag(self):
        with pytest.raises(SettingsError, match=f"^--timeout {self.RULE}-1.0.$"):
            load({"timeout": -1.0})

    def test_the_variable_is_named_not_the_flag(self):
        with pytest.raises(SettingsError, match=f"^TOPDESK_DEADLINE {self.RULE}'0'.$"):
            load(env={"TOPDESK_DEADLINE": "0"})

    def test_the_key_in_the_config_file(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text("timeout = -1\n", encoding="utf-8")
        with pytest.raises(SettingsError, match=rf"^timeout in '{re.escape(str(config))}' {self.RULE}-1.$"):
            load(config_path=str(config))

    def test_the_tenant_in_the_targets_file(self, tmp_path):
        with pytest.raises(SettingsError, match=rf"^timeout of tenant 'Acme' in '.*targets.toml' {self.RULE}-1.$"):
            targets(tmp_path, "timeout = -1\n")

    def test_a_library_caller(self):
        with pytest.raises(SettingsError, match=f"^timeout {self.RULE}-5.$"):
            Settings(url="acme.topdesk.net", username="u", timeout=-5)


def test_text_that_is_no_number_says_what_a_number_it_should_be():
    with pytest.raises(SettingsError, match=r"^TOPDESK_RETRIES has an invalid value 'many': it must be a whole "
                                            r"number from 0 to 100.$"):
        load(env={"TOPDESK_RETRIES": "many"})


@pytest.mark.parametrize("value", ["nan", "inf", "-0", "3601"])
def test_seconds_that_never_end_or_never_start_are_refused(value):
    with pytest.raises(SettingsError, match="--deadline must be a positive number of seconds"):
        load({"deadline": value})


class TestFilesKeepTomlTypes:
    """A TOML file says true, 15 and ["A"]: text where a switch or a number belongs is a mistake, not a guess."""

    def test_a_quoted_switch_in_the_config_file_is_refused(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text('insecure = "yes"\n', encoding="utf-8")
        with pytest.raises(SettingsError, match=r"^insecure in '.*c.toml' must be true or false, not 'yes'.$"):
            load(config_path=str(config))

    def test_typed_values_are_read_as_given(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text('timeout = 15\ninsecure = true\nrooms = ["Aurora 2.08", " Borealis "]\n'
                          "app_password_expires = 2027-03-31\nretries = 0\n", encoding="utf-8")
        settings = load(config_path=str(config))
        assert (settings.timeout, settings.insecure, settings.rooms, settings.app_password_expires,
                settings.retries) == (15.0, True, ("Aurora 2.08", "Borealis"), date(2027, 3, 31), 0)

    def test_the_same_text_in_a_variable_is_parsed(self):
        settings = load(env={"TOPDESK_TIMEOUT": " 15 ", "TOPDESK_INSECURE": "yes", "TOPDESK_ROOMS": "A, B,,"})
        assert (settings.timeout, settings.insecure, settings.rooms) == (15.0, True, ("A", "B"))

    def test_a_datetime_where_a_day_belongs_is_refused_everywhere(self, tmp_path):
        with pytest.raises(SettingsError, match="app_password_expires of tenant 'Acme' .* without a time"):
            targets(tmp_path, "app_password_expires = 2027-03-31T10:00:00\n")
        with pytest.raises(SettingsError, match="^app_password_expires must be a date like 2027-03-31, without"):
            Settings(url="acme.topdesk.net", username="u", app_password_expires=datetime(2027, 3, 31, 10))


def test_a_tenant_gets_the_same_bounds_as_a_single_run_not_looser_ones(tmp_path):
    """Before the table, a targets file allowed 10,000 retries that Settings then refused in other words."""
    with pytest.raises(SettingsError, match=r"^retries of tenant 'Acme' in .* must be a whole number from 0 to "
                                            r"100, not 500.$"):
        targets(tmp_path, "retries = 500\n")
    assert targets(tmp_path, "retries = 100\n")[0].settings.retries == 100


def test_a_library_caller_cannot_give_a_switch_as_text():
    with pytest.raises(SettingsError, match="^insecure must be true or false, not 'yes'.$"):
        Settings(url="acme.topdesk.net", username="u", insecure="yes")


class TestTheTableDrivesEverySource:
    def test_every_setting_of_the_class_is_in_the_table_but_the_password_and_the_silences(self):
        import attrs

        assert set(FIELDS) == {f.name for f in attrs.fields(Settings)} - {"password", "silences"}

    def test_each_setting_has_its_documented_variable(self):
        assert FIELDS["timeout"].variable == "TOPDESK_TIMEOUT"
        assert FIELDS["json_path"].variable == "TOPDESK_JSON" and FIELDS["html_path"].variable == "TOPDESK_HTML"
        assert len({f.variable for f in FIELDS.values()}) == len(FIELDS)

    def test_the_readmes_settings_table_names_only_real_variables(self):
        readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
        table = readme.split("| setting | flag | environment | meaning |", 1)[1].split("\n\n", 1)[0]
        named = set(re.findall(r"TOPDESK_[A-Z_]+", table))
        known = {f.variable for f in FIELDS.values()} | {"TOPDESK_APP_PASSWORD", "TOPDESK_CONFIG"}
        assert named and named <= known, named - known

    def test_a_tenant_may_set_exactly_the_fleet_rows_and_defaults_only_the_shared_ones(self, tmp_path):
        tenant_only = {f.name for f in fleet_fields(Fleet.TENANT)}
        assert tenant_only == {"url", "app_password_expires", "redaction_map"}
        assert "fail_on" not in {f.name for f in fleet_fields(Fleet.TENANT, Fleet.ANYWHERE)}
        with pytest.raises(SettingsError, match="1 unknown key: fail_on"):
            targets(tmp_path, "fail_on = 'warn'\n")
        (tmp_path / "d.toml").write_text("[defaults]\napp_password_expires = 2027-01-01\n", encoding="utf-8")
        with pytest.raises(SettingsError, match="per-tenant-only default: app_password_expires"):
            load_targets(tmp_path / "d.toml", environ={})

    def test_paths_in_a_targets_file_are_relative_to_it(self, tmp_path):
        (tmp_path / "ca.pem").write_text("x", encoding="utf-8")
        tenant = targets(tmp_path, "ca_bundle = 'ca.pem'\n")[0]
        assert tenant.settings.ca_bundle == str(tmp_path / "ca.pem")
        assert {f.name for f in FIELDS.values() if f.kind is Kind.PATH and f.fleet is not Fleet.NO} == {
            "ca_bundle", "redaction_map"}


class TestATypoInAFileKeyIsNamedWithWhatWasMeant:
    def test_in_the_config_file(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text('brnach = "HQ"\ncolour = "red"\n', encoding="utf-8")
        with pytest.raises(SettingsError, match=r"Unknown settings in .*: brnach, colour\. Did you mean branch for "
                                                r"brnach\? See --help"):
            load(config_path=str(config))

    def test_in_a_tenant_of_the_targets_file(self, tmp_path):
        with pytest.raises(SettingsError, match=r"has 1 unknown key: brnach; a tenant may set .*\. Did you mean "
                                                r"branch for brnach\?$"):
            targets(tmp_path, "brnach = 'B'\n")

    def test_nothing_is_guessed_for_a_key_like_no_setting(self, tmp_path):
        with pytest.raises(SettingsError) as caught:
            targets(tmp_path, "colour = 'red'\n")
        assert "Did you mean" not in str(caught.value)
