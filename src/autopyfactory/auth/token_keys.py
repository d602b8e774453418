"""The keys of a ``Token`` profile (auth.conf ``plugin = Token``, keys ``token.<name>``)."""

from __future__ import annotations

from autopyfactory.config.keys import BOOL, NONNEG_FLOAT, NONNEG_INT, STR, Key, choice

T = "token."
CLIENT_CREDENTIALS = "client_credentials"
OIDC_AGENT = "oidc-agent"
HTGETTOKEN = "htgettoken"
FILE = "file"

SOURCE = Key(
    T + "source",
    choice(CLIENT_CREDENTIALS, OIDC_AGENT, HTGETTOKEN, FILE),
    None,
    "where tokens come from: client_credentials (OAuth2 grant at the issuer), oidc-agent (oidc-token), "
    "htgettoken, or file (kept fresh by another tool; only checked)",
    required=True,
)
ISSUER = Key(T + "issuer", STR, None, "the issuer URL: iss must match; signatures checked against its JWKS")
TOKEN_ENDPOINT = Key(
    T + "token_endpoint",
    STR,
    None,
    "client_credentials: the token endpoint (default: from the issuer's discovery)",
)
CLIENT_ID_FILE = Key(T + "client_id_file", STR, None, "client_credentials: file holding the client id")
CLIENT_SECRET_FILE = Key(
    T + "client_secret_file", STR, None, "client_credentials: file holding the client secret (mode 600)"
)
CLIENT_AUTH = Key(
    T + "client_auth",
    choice("basic", "post"),
    "basic",
    "client_credentials: send the client id/secret as HTTP Basic (basic) or in the form (post)",
)
AUDIENCE = Key(
    T + "audience", STR, None, "the aud the token must carry; {ce}, {port}, {queue} are filled per use"
)
SCOPES = Key(T + "scopes", STR, None, "scopes the token must carry (space or comma separated)")
MINLIFE = Key(T + "minlife", NONNEG_INT, 600, "never hand out a token with less than this many seconds left")
RENEWLIFE = Key(T + "renewlife", NONNEG_INT, None, "renew when less than this is left (default 2 x minlife)")
LIFETIME = Key(
    T + "lifetime",
    NONNEG_INT,
    None,
    "the lifetime the source gives tokens (s), when known: checked against minlife",
)
CHECKTIME = Key(T + "checktime", NONNEG_INT, 300, "seconds between checks")
INITDELAY = Key(T + "initdelay", NONNEG_INT, 0, "seconds before the first check")
RETRY = Key(T + "retry", NONNEG_INT, 60, "seconds between renewal attempts after a failure")
ALERTBEFORE = Key(
    T + "alertbefore",
    NONNEG_INT,
    1800,
    "alert when a token nothing renews will be refused within this many seconds",
)
TOKENFILE = Key(
    T + "tokenfile",
    STR,
    None,
    "source file: the token path (required); other sources: where tokens are written "
    "(default <authbasedir>/<profile>/<audience>.token); {ce}, {port}, {queue} are filled",
)
VERIFY = Key(
    T + "verify", BOOL, True, "check signatures against the issuer's keys (when token.issuer is set)"
)
TIMEOUT = Key(T + "timeout", NONNEG_FLOAT, 30.0, "seconds a request to the issuer or a helper tool may take")
OIDC_ACCOUNT = Key(T + "oidc_account", STR, None, "oidc-agent: the account short name (oidc-token ACCOUNT)")
OIDC_SOCK = Key(
    T + "oidc_sock", STR, None, "oidc-agent: the agent socket (OIDC_SOCK; default: the environment's)"
)
VAULTSERVER = Key(T + "vaultserver", STR, None, "htgettoken: the vault server (-a)")
VAULTISSUER = Key(T + "vaultissuer", STR, None, "htgettoken: the issuer name configured in vault (-i)")
VAULTROLE = Key(T + "vaultrole", STR, None, "htgettoken: the role (-r)")
VAULTTOKENFILE = Key(T + "vaulttokenfile", STR, None, "htgettoken: the vault token file (--vaulttokenfile)")
HTGETTOKEN_ARGS = Key(T + "htgettoken.args", STR, None, "htgettoken: extra arguments")

TOKEN_KEYS = (
    SOURCE, ISSUER, TOKEN_ENDPOINT, CLIENT_ID_FILE, CLIENT_SECRET_FILE, CLIENT_AUTH, AUDIENCE, SCOPES, MINLIFE,
    RENEWLIFE, LIFETIME, CHECKTIME, INITDELAY, RETRY, ALERTBEFORE, TOKENFILE, VERIFY, TIMEOUT, OIDC_ACCOUNT,
    OIDC_SOCK, VAULTSERVER, VAULTISSUER, VAULTROLE, VAULTTOKENFILE, HTGETTOKEN_ARGS,
)  # fmt: skip


def split_scopes(text: str | None) -> tuple[str, ...]:
    """``"compute.create, compute.read"`` or space separated -> a tuple, in order, each once."""
    return tuple(dict.fromkeys(p for p in (text or "").replace(",", " ").split() if p))
