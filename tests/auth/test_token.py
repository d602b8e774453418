"""The Token handler against a local issuer (discovery, JWKS, client-credentials endpoint): tokens
per CE audience, renewal before minlife, an issuer that goes down, tokens that must be refused
(wrong audience or scopes, expired, short, badly signed), and files written mode 600 atomically."""

from __future__ import annotations

import stat
import threading
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest

from autopyfactory.auth.manager import AuthManager
from autopyfactory.plugins.context import AuthFailure, CredentialTarget
from tests.auth.clocks import FakeClock
from tests.auth.issuer import Issuer

CE = """
[ce-token]
plugin = Token
token.source = client_credentials
token.issuer = {issuer}
token.client_id_file = {tmp}/secrets/client_id
token.client_secret_file = {tmp}/secrets/client_secret
token.audience = https://{ce}:{port}
token.scopes = compute.create compute.read compute.modify compute.cancel
token.minlife = 600
token.renewlife = 1200
token.retry = 60
"""
CE1 = CredentialTarget("ANALY_CE1", "ce1.example.org", 9619)
CE2 = CredentialTarget("ANALY_CE2", "ce2.example.org", 9619)

Make = Callable[..., AuthManager]
NO_TIMES = {"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False}


def claims(path: str | Path) -> dict[str, object]:
    return jwt.decode(Path(path).read_text().strip(), options={"verify_signature": False})  # type: ignore[no-any-return]


def test_a_token_is_issued_per_ce_audience_with_the_scopes_and_kept_mode_600(
    tmp_path: Path, issuer: Issuer, secrets: Path, token_manager: Make
) -> None:
    m = token_manager(CE)
    p1 = m.token_path(["ce-token"], CE1)
    assert p1 == str(tmp_path / "authbase" / "ce-token" / "ce1.example.org_9619.token")
    c = claims(p1)
    assert c["aud"] == "https://ce1.example.org:9619"
    assert c["scope"] == "compute.create compute.read compute.modify compute.cancel"
    assert stat.S_IMODE(Path(p1).stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(p1).parent.stat().st_mode) == 0o700
    req = issuer.requests[0]
    assert req.basic == (issuer.client_id, issuer.client_secret)  # HTTP Basic, never in the form
    assert "client_secret" not in req.form and req.form["audience"] == "https://ce1.example.org:9619"
    p2 = m.token_path(["ce-token"], CE2)
    assert p2 != p1 and claims(p2)["aud"] == "https://ce2.example.org:9619"
    assert m.token_path(["ce-token"], CE1) == p1
    assert len(issuer.requests) == 2  # the CE1 token is reused, not fetched again


def test_the_token_is_renewed_before_minlife_and_replaced_atomically(
    tmp_path: Path, clock: FakeClock, issuer: Issuer, secrets: Path, token_manager: Make
) -> None:
    m = token_manager(CE)
    path = Path(m.token_path(["ce-token"], CE1))
    first, inode = claims(path)["jti"], path.stat().st_ino
    clock.advance(2000)  # 1600 s left > renewlife 1200: kept
    assert m.check_due() == ["ce-token"]
    assert claims(path)["jti"] == first and len(issuer.requests) == 1
    clock.advance(500)  # 1100 s left: renewed
    m.check_due()
    assert claims(path)["jti"] != first and len(issuer.requests) == 2
    assert path.stat().st_ino != inode  # a new file renamed over the old one
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["ce1.example.org_9619.token"]
    (st,) = m.statuses()
    assert st.last_renewal == clock.time() and st.last_error == ""
    assert st.expires_at == clock.time() + 3600


def test_issuer_down_the_last_good_token_is_used_until_minlife_then_refused(
    clock: FakeClock, issuer: Issuer, secrets: Path, token_manager: Make
) -> None:
    m = token_manager(CE)
    path = m.token_path(["ce-token"], CE1)
    issuer.down = True
    clock.advance(2500)  # 1100 s left: renewal fails, the token is still good
    m.check_due()
    (st,) = m.statuses()
    assert "HTTP 503" in st.last_error
    assert m.token_path(["ce-token"], CE1) == path
    clock.advance(600)  # 500 s left < minlife 600: refused
    with pytest.raises(AuthFailure) as exc:
        m.token_path(["ce-token"], CE1)
    text = str(exc.value)
    assert "500s left, less than minlife 600s" in text and "HTTP 503" in text
    issuer.down = False
    clock.advance(61)  # after token.retry the next lookup renews
    assert m.token_path(["ce-token"], CE1) == path
    (st,) = m.statuses()
    assert st.last_error == "" and st.expires_at == clock.time() + 3600


@pytest.mark.parametrize(
    ("knob", "value", "why"),
    [
        (
            "audience",
            "https://other-ce.example.org:9619",
            "audience https://other-ce.example.org:9619, not https://ce1",
        ),
        ("scope", "compute.read", "lacks scopes compute.create compute.modify compute.cancel"),
        ("rogue", True, "bad signature"),
        ("lifetime", 300, "the new token has only 300s left"),
        ("lifetime", -10, "expired at"),
    ],
)
def test_tokens_that_do_not_fit_are_refused_and_never_written(
    tmp_path: Path, issuer: Issuer, secrets: Path, token_manager: Make, knob: str, value: object, why: str
) -> None:
    setattr(issuer, knob, value)
    m = token_manager(CE)
    with pytest.raises(AuthFailure, match="no valid token") as exc:
        m.token_path(["ce-token"], CE1)
    assert why in str(exc.value)
    assert not (tmp_path / "authbase" / "ce-token" / "ce1.example.org_9619.token").exists()
    assert len(issuer.issued) == 1


def test_a_key_the_issuer_does_not_publish_is_refused(
    tmp_path: Path, clock: FakeClock, issuer: Issuer, secrets: Path, token_manager: Make
) -> None:
    token = jwt.encode(
        {"iss": issuer.url, "exp": clock.time() + 3600, "aud": "x"},
        issuer.rogue_key,
        "RS256",
        headers={"kid": "k9"},
    )
    (tmp_path / "t.token").write_text(token)
    m = token_manager(
        "[f]\nplugin = Token\ntoken.source = file\ntoken.tokenfile = {tmp}/t.token\ntoken.issuer = {issuer}\n"
    )
    with pytest.raises(AuthFailure, match=r"signed with key k9, which issuer .* does not publish"):
        m.token_path(["f"], CE1)


def test_an_expiring_file_token_is_never_handed_out(
    tmp_path: Path, clock: FakeClock, issuer: Issuer, token_manager: Make
) -> None:
    f = tmp_path / "bt_u1000"
    f.write_text(issuer.mint(aud="https://ce1.example.org:9619", scope="compute.create"))
    m = token_manager(
        "[f]\nplugin = Token\ntoken.source = file\ntoken.tokenfile = {tmp}/bt_u1000\n"
        "token.issuer = {issuer}\ntoken.audience = https://ce1.example.org:9619\ntoken.minlife = 600\n"
    )
    assert m.token_path(["f"], CE1) == str(f)
    clock.advance(3000)  # 600 s left: still handed out
    assert m.token_path(["f"], CE1) == str(f)
    clock.advance(1)
    with pytest.raises(AuthFailure, match="599s left, less than minlife 600s"):
        m.token_path(["f"], CE1)
    clock.advance(1000)  # expired: refused when read again
    f.write_text(f.read_text())  # another tool touched it
    with pytest.raises(AuthFailure, match="expired at"):
        m.token_path(["f"], CE1)
    f.write_text(issuer.mint(aud="https://ce1.example.org:9619"))  # the other tool renewed it
    assert m.token_path(["f"], CE1) == str(f)


def test_readers_never_see_a_partial_token_while_it_is_renewed(
    clock: FakeClock, issuer: Issuer, secrets: Path, token_manager: Make
) -> None:
    m = token_manager(CE)
    path = Path(m.token_path(["ce-token"], CE1))
    bad: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            text = path.read_text()
            try:
                jwt.decode(text.strip(), issuer.key.public_key(), algorithms=["RS256"], options=NO_TIMES)
            except jwt.PyJWTError as exc:
                bad.append(f"{exc!r}: {text!r}")

    t = threading.Thread(target=read)
    t.start()
    try:
        for _ in range(15):
            clock.advance(2500)
            m.check_due()
    finally:
        stop.set()
        t.join(10)
    assert len(issuer.issued) == 16 and bad == []


def test_a_template_the_queue_cannot_fill_is_a_clear_failure(
    issuer: Issuer, secrets: Path, token_manager: Make
) -> None:
    m = token_manager(CE)
    with pytest.raises(AuthFailure, match=r"needs \{ce\}, \{port\}, which queue LOCAL does not give"):
        m.token_path(["ce-token"], CredentialTarget("LOCAL"))
