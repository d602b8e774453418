"""``CondorCE``: grid CEs (base of HTCondor-CE, ARC, CREAM and GRAM).

``batchsubmit.condorce.token = <Token profiles>`` (or the flavour's spelling, e.g.
``batchsubmit.condorosgce.token``): the pilots are submitted with ``scitokens_file`` = a token
whose audience is filled from the grid resource's CE (``{ce}``, ``{port}``). HTCondor sends it to
``condor`` (HTCondor-CE) and ``arc`` (ARC REST) grid types only. A queue that names only a token
profile gets no ``x509userproxy`` line."""

from __future__ import annotations

from typing import ClassVar

from autopyfactory.batch.htcondor import keyspace
from autopyfactory.batch.htcondor.base import JobContext
from autopyfactory.batch.htcondor.ce_target import TOKEN_GRID_TYPES, grid_type
from autopyfactory.batch.htcondor.description import SubmitDescription
from autopyfactory.batch.htcondor.flavours.grid import CondorGrid
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.config.credentials import TOKEN as TOKEN_KIND
from autopyfactory.config.credentials import CredentialRef
from autopyfactory.config.keys import LIST, Key
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import AuthFailure, CredentialTarget, FactoryContext

PREFIX = "batchsubmit.condorce."
TOKEN = Key(
    PREFIX + "token",
    LIST,
    (),
    "auth.conf Token profiles (first valid one): scitokens_file, the audience filled from the grid "
    "resource's CE (condor and arc grid types)",
)


def _token_profiles(view: ConfigSection) -> tuple[str, ...]:
    try:
        return view.get(TOKEN)
    except ConfigError:
        return ()


class CondorCE(CondorGrid):
    """Batch submit plugin ``CondorCE``: the grid universe to a compute element, marked
    ``+Nonessential`` (2.4's); the base of the HTCondor-CE, ARC, CREAM and GRAM flavours."""

    name = "CondorCE"
    level = Level(PREFIX, (TOKEN,))
    # the grid type of the flavour's resource when it is fixed ("" when the queue's own
    # grid_resource line decides, as for CondorCE itself)
    fixed_grid_type: ClassVar[str] = ""

    @classmethod
    def grid_type_of(cls, view: ConfigSection) -> str:
        return cls.fixed_grid_type

    @classmethod
    def credentials(cls, queue: ConfigSection) -> tuple[CredentialRef, ...]:
        names = _token_profiles(keyspace.view(queue, cls.levels()))
        ce = (CredentialRef(cls.spelled(queue, "token"), TOKEN_KIND, names),) if names else ()
        return (*super().credentials(queue), *ce)

    @classmethod
    def notes(cls, queue: ConfigSection) -> list[ConfigProblem]:
        out = super().notes(queue)
        view = keyspace.view(queue, cls.levels())
        gtype = cls.grid_type_of(view)
        if _token_profiles(view) and gtype and gtype not in TOKEN_GRID_TYPES:
            key = cls.spelled(queue, "token")
            out.append(
                ConfigProblem(
                    "error",
                    queue.origin_of(key),
                    queue.name,
                    key,
                    f"grid type {gtype} cannot use a token: HTCondor sends scitokens_file only to "
                    f"{' and '.join(TOKEN_GRID_TYPES)} CEs",
                    queue.raw(key),
                    "use an X509 proxy (proxy) for this CE"
                    + (
                        "; or batchsubmit.condornordugrid.gridtype = arc (ARC REST)"
                        if gtype == "nordugrid"
                        else ""
                    ),
                )
            )
        return out

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.ce_token = self.view.get(TOKEN)

    def uses_ce_token(self) -> bool:
        return bool(self.ce_token)

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        d.set("+Nonessential", "True")
        super().add_lines(d, job)

    def credential_lines(self, d: SubmitDescription, job: JobContext, target: CredentialTarget) -> None:
        if self.ce_token:
            gtype = grid_type(d.get("grid_resource"))
            if gtype not in TOKEN_GRID_TYPES:
                raise AuthFailure(
                    f"queue {self.apfqname}: grid_resource {d.get('grid_resource') or '(none)'} cannot use a "
                    f"token (HTCondor sends scitokens_file only to {' and '.join(TOKEN_GRID_TYPES)} CEs)"
                )
            path = self.token(self.ce_token, target)
            if "scitokens_file" not in d:  # the queue's own scitokens_file line wins
                d.set("scitokens_file", path)
        super().credential_lines(d, job, target)
