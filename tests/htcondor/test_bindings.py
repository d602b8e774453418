"""The real bindings behind the seam: locating a schedd that is not there fails with the schedd's name,
and the security settings reach ``htcondor2.param``."""

from __future__ import annotations

import re
from collections.abc import Iterator

import htcondor2
import pytest

from autopyfactory.batch.htcondor import security
from autopyfactory.batch.htcondor.location import ScheddLocation
from autopyfactory.batch.htcondor.schedd import ScheddError, ScheddHandle, connect_bindings
from autopyfactory.batch.htcondor.security import CondorSecurity


@pytest.fixture
def clean_param() -> Iterator[None]:
    yield
    for name in ("SEC_CLIENT_AUTHENTICATION_METHODS", "SEC_TOKEN_DIRECTORY"):
        if name in htcondor2.param:
            del htcondor2.param[name]
    security._applied.clear()


@pytest.mark.usefixtures("clean_param")
def test_an_unreachable_collector_is_an_error_naming_schedd_and_collector() -> None:
    sec = CondorSecurity("TOKEN", "/srv/apf/tokens")
    h = ScheddHandle(ScheddLocation("schedd.example.org", "127.0.0.1:1", sec), connect_bindings)
    with pytest.raises(
        ScheddError, match=re.escape("query on schedd schedd.example.org via collector 127.0.0.1:1 failed")
    ):
        h.call("query", lambda s: s.query("True", ["ClusterId"]))
    assert htcondor2.param["SEC_CLIENT_AUTHENTICATION_METHODS"] == "TOKEN"
    assert htcondor2.param["SEC_TOKEN_DIRECTORY"] == "/srv/apf/tokens"


def test_without_a_local_schedd_the_local_location_fails_clearly() -> None:
    h = ScheddHandle(ScheddLocation(), connect_bindings)
    with pytest.raises(ScheddError, match="submit on local schedd failed"):
        h.call("submit", lambda s: s.submit(htcondor2.Submit({"executable": "/bin/true"}), count=1))
