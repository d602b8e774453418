"""slurmrestd over TCP with the auth manager's token (``rest.tokenprofile``): the JWT of the
first valid profile goes into X-SLURM-USER-TOKEN, read afresh at every call (it is renewed on
disk); no valid token: no request at all, and the reason is a credential problem."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from autopyfactory.batch.slurm.request import JobOptions, SubmitRequest
from autopyfactory.batch.slurm.rest import SlurmRest, token_reader
from autopyfactory.batch.slurm.settings import SlurmEndpoint
from autopyfactory.batch.slurm.tag import PilotTag
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import AuthFailure, CredentialTarget
from tests.slurm.fake_rest import FakeSlurmrestd

TCP = SlurmEndpoint(
    mode="rest",
    rest_url="http://slurm.example.org:6820",
    rest_user="pilot",
    rest_token_profile=("slurm-jwt",),
    timeout=5,
)


class Tokens:
    def __init__(self, path: Path, valid: bool = True) -> None:
        self.path, self.valid = path, valid
        self.asked: list[tuple[tuple[str, ...], CredentialTarget]] = []

    def proxy_path(self, profiles: Sequence[str], queue: str = "") -> str:
        raise AuthFailure("no proxies here")

    def token_path(self, profiles: Sequence[str], target: CredentialTarget) -> str:
        self.asked.append((tuple(profiles), target))
        if not self.valid:
            raise AuthFailure(
                "no valid token in profiles slurm-jwt: the token has 10s left, less than minlife 60s"
            )
        return str(self.path)

    def ssh_key_paths(self, profile: str) -> tuple[str, str, str | None]:
        raise AuthFailure("no")


def test_the_profiles_token_is_sent_and_reread_at_every_call(tmp_path: Path) -> None:
    tok = tmp_path / "slurm.jwt"
    tok.write_text("eyJ.first.sig\n")
    fake = FakeSlurmrestd(token="eyJ.first.sig")
    lookup = Tokens(tok)
    rest = SlurmRest(TCP, transport=fake.transport(), tokens=token_reader(TCP, lookup, "Q1"))
    rest.submit(SubmitRequest(PilotTag("fid", "Q1"), 1, "#!/bin/sh\n", tmp_path, JobOptions()))
    assert fake.headers[0]["x-slurm-user-token"] == "eyJ.first.sig"
    assert fake.headers[0]["x-slurm-user-name"] == "pilot"
    assert lookup.asked[0] == (("slurm-jwt",), CredentialTarget("Q1", "slurm.example.org", 6820))
    tok.write_text("eyJ.renewed.sig\n")  # the manager renewed it
    fake.token = "eyJ.renewed.sig"
    assert rest.jobs() == []


def test_no_valid_token_sends_nothing_and_says_why(tmp_path: Path) -> None:
    fake = FakeSlurmrestd()
    rest = SlurmRest(
        TCP, transport=fake.transport(), tokens=token_reader(TCP, Tokens(tmp_path / "x", valid=False))
    )
    with pytest.raises(AuthFailure, match="less than minlife"):
        rest.jobs()
    assert fake.headers == []


def test_the_key_is_read_and_names_the_profiles() -> None:
    q = ConfigSection.from_dict(
        "Q1",
        {
            "batchsubmit.slurm.mode": "rest",
            "batchsubmit.slurm.rest.url": "http://h:6820",
            "batchsubmit.slurm.rest.tokenprofile": "a, b",
        },
    )
    ep = SlurmEndpoint.from_config(q)
    assert ep.rest_token_profile == ("a", "b")
    from autopyfactory.batch.slurm.submit import SlurmSubmit

    (ref,) = SlurmSubmit.credentials(q)
    assert (ref.key, ref.kind, ref.profiles) == ("batchsubmit.slurm.rest.tokenprofile", "token", ("a", "b"))
