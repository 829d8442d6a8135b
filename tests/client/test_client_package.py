"""The package's face (topdesk_preflight/client/__init__.py): the old names still import, lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

import topdesk_preflight.client as client_package

#: Every name other modules and tests import from topdesk_preflight.client.
PUBLIC = ["TopdeskClient", "ApiResponse", "ItemPages", "Paging", "PagingStyle", "parse_retry_after",
          "PERSON_V2_COLLECTION", "USER_AGENT", "READ_METHODS", "RETRY_STATUSES", "MAX_WAIT_S", "MAX_BODY_BYTES",
          "decode", "records"]


@pytest.mark.parametrize("name", PUBLIC)
def test_each_public_name_is_reexported(name):
    assert getattr(client_package, name) is not None
    assert name in client_package.__all__ and name in dir(client_package)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'fields_param'"):
        client_package.fields_param  # noqa: B018 - deleted: nothing used it


def test_the_package_and_its_pure_modules_import_no_requests():
    code = ("import sys; import topdesk_preflight.client, topdesk_preflight.client.paging, "
            "topdesk_preflight.client.response, topdesk_preflight.client.retry, topdesk_preflight.client.budget, "
            "topdesk_preflight.client.evidence; from topdesk_preflight.client import Paging, PERSON_V2_COLLECTION; "
            "print('requests' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
