"""Run ``autopyfactory`` (its real ``main``) in this process with the fake schedd at the bindings
boundary; every submission is appended to a JSON lines file as it happens (the process may end with
``os._exit``). Usage: ``python -m tests.config.site_factory SUBMITS.jsonl ARGS...``."""

from __future__ import annotations

import json
import sys
from typing import Any

from autopyfactory.batch.htcondor import schedd
from autopyfactory.cli.main import main
from tests.htcondor.fake_schedd import FakePool, FakeSchedd


def run(out: str, argv: list[str]) -> int:
    pool = FakePool()
    original = FakeSchedd.submit

    def submit(self: FakeSchedd, description: Any, count: int = 0) -> Any:
        result = original(self, description, count)
        cluster = f"{result.cluster()}."
        jobs = {
            jid: {k: str(ad.eval(k)) for k in ad} for jid, ad in self.jobs.items() if jid.startswith(cluster)
        }
        with open(out, "a") as fh:
            fh.write(json.dumps({"submit": str(description), "count": count, "jobs": jobs}) + "\n")
        return result

    FakeSchedd.submit = submit  # type: ignore[method-assign]
    schedd.set_connector(pool)
    return main(argv)


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1], sys.argv[2:]))
