"""APF 2.4 wrapper command lines, translated into this wrapper's (docs/wrapper.md, "Migrating from
2.4", is the table of this module).

A queue migrated from 2.4 keeps its ``executable.arguments``, written for one of 2.4's wrappers:

- ``runpilot3-wrapper.sh``: pilot options only (``-s SITE -h QUEUE -p 25443 -w URL -j false -k 0
  -u user``); every word went to the pilot, which came from ``$PILOT_HTTP_SOURCES``;
- ``wrapper.sh`` 0.9.x and its Python plugins: ``--wrapper*`` options; plugin names of several
  eras; pilot code named under a base URL; the pilot's own options (including the older
  ``--script``/``--libcode``/``--pilotsrcurl``) forwarded to the plugin and on to the pilot.

:func:`translate` rewrites such a line into this wrapper's options and notes each 2.4 item it
mapped. A line written for this wrapper comes back unchanged (empty ``style``)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .exitcodes import USAGE, StageError
from .options import split_payload
from .plugins import NAMES
from .plugins.generic import NO_CODE_HINT
from .sources import parse_groups

PILOT_HTTP_SOURCES = "PILOT_HTTP_SOURCES"
# runpilot3-wrapper.sh's own sources when $PILOT_HTTP_SOURCES is unset: (URL, pilot type for -i)
RUNPILOT3_PT = ("http://project-atlas-gmsb.web.cern.ch/project-atlas-gmsb/pilotcode-dev.tar.gz", "PT")
RUNPILOT3_RC = ("http://pandaserver.cern.ch:25085/cache/pilot/pilotcode-rc.tar.gz", "RC")
RUNPILOT3_PR = ("http://pandaserver.cern.ch:25085/cache/pilot/pilotcode.tar.gz", "PR")
RUNPILOT3_FSIZE_KB = 20 * 1024 * 1024  # its ulimit -f
FORCE_PREFIX = "APF_FORCE_"  # runpilot3: APF_FORCE_X=v exports X=v
RUNPILOT3_UNSET = ("https_proxy", "HTTPS_PROXY")

OWN_PREFIXES = ("--wrapper", "--extraopts")
FLAGS = ("--wrapperkeepworkdir", "--wrapperrunpilotinsubshell")
PILOT_LOCATION = ("--script", "--libcode", "--pilotsrcurl")  # older pilot options naming the code
PILOT_CODE_OPTIONS = ("--wrapperpilotcode", "--wrapperpilotcodeurl", "--wrapperpilottype", "--libcode")


@dataclass(frozen=True)
class Plugin24:
    """What a 2.4 ``--wrapperplugin`` name becomes."""

    target: str  # this wrapper's plugin
    atlas: bool = False  # the pilot gets -s/-h/-d when missing, as 2.4's ATLAS plugins gave it
    ok_status: str = ""  # statuses 2.4 turned into 0
    cvmfs: str = ""  # repository 2.4 checked before fetching the pilot


_ATLAS_1_0 = Plugin24("generic", atlas=True, ok_status="65", cvmfs="atlas.cern.ch")
_ATLAS_0_9 = Plugin24("generic", atlas=True)
PLUGINS = {
    # wrapper tarball 1.0.x (plugins/<name>.py)
    "atlas": _ATLAS_1_0,
    "atlasosg": _ATLAS_1_0,
    "atlasegi": _ATLAS_1_0,
    # 0.9.x (plugins/<name>plugin.py), and the 'atlasprod' purpose name
    "atlasprod": _ATLAS_0_9,
    "atlasprodpilot": _ATLAS_0_9,
    "atlasprodpilotegi": _ATLAS_0_9,
    "atlasprodpilottest": _ATLAS_0_9,
    "atlasdebug": _ATLAS_0_9,
    # 2.4's trivial ran the fetched pilot code with the extra options; without pilot code the name
    # is this wrapper's test plugin. null is the same in both.
    "trivial": Plugin24("generic"),
}


@dataclass
class Translation:
    """A 2.4 wrapper command line translated: the new arguments, the 2.4 style recognised, and notes."""

    argv: list[str]
    style: str = ""  # "runpilot3-wrapper.sh", "wrapper.sh" or "" (nothing translated)
    notes: list[str] = field(default_factory=list)
    setenv: dict[str, str] = field(default_factory=dict)
    unsetenv: tuple[str, ...] = ()

    def environment(self, env: Mapping[str, str]) -> dict[str, str]:
        out = {k: v for k, v in env.items() if k not in self.unsetenv}
        out.update(self.setenv)
        return out


@dataclass
class _Item:
    """One word of the line, or an option of ours (or a 2.4 pilot-location option) with its value."""

    words: list[str]
    name: str = ""
    value: str = ""


def _is_option(word: str) -> bool:
    return word.startswith(OWN_PREFIXES) or word.partition("=")[0] in PILOT_LOCATION


def _items(words: Sequence[str]) -> list[_Item]:
    """Every --wrapper* option takes a value (``=value`` or the next word) unless it is a flag."""
    out: list[_Item] = []
    i = 0
    while i < len(words):
        w = words[i]
        name, eq, value = w.partition("=")
        if not _is_option(w):
            out.append(_Item([w]))
        elif eq or name in FLAGS or i + 1 >= len(words):
            out.append(_Item([w], name, value))
        else:
            out.append(_Item([w, words[i + 1]], name, words[i + 1]))
            i += 1
        i += 1
    return out


class _Line:
    """The options part of a command line: options can be read, removed and set (set ones go first)."""

    def __init__(self, words: Sequence[str]) -> None:
        self.items = _items(words)
        self.set_: list[tuple[str, str]] = []

    def get(self, name: str) -> str:
        for n, v in reversed(self.set_):
            if n == name:
                return v
        values = [it.value for it in self.items if it.name == name]
        return values[-1].strip() if values else ""

    def has(self, name: str) -> bool:
        return any(n == name for n, _ in self.set_) or any(it.name == name for it in self.items)

    def remove(self, *names: str) -> None:
        self.items = [it for it in self.items if it.name not in names]
        self.set_ = [(n, v) for n, v in self.set_ if n not in names]

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.set_.append((name, value))

    def pilot_words(self) -> list[str]:
        """The words that are not options of ours: 2.4 passed them (and --extraopts) to the pilot."""
        words = [w for it in self.items if not it.name for w in it.words]
        for it in self.items:
            if it.name == "--extraopts":
                words += it.value.split()
        return words

    def words(self) -> list[str]:
        return [f"{n}={v}" for n, v in self.set_] + [w for it in self.items for w in it.words]


def _is_urls(spec: str) -> bool:
    return "://" in spec or spec.lstrip().startswith("[")


def _files(names: str) -> list[str]:
    """2.4 pilot code names; a name without an extension is a .tar.gz (wrapper 0.9.x added it)."""
    out = [n.strip() for n in names.split(",") if n.strip()]
    return [n if "." in n else n + ".tar.gz" for n in out]


def _spec(groups: Sequence[Sequence[str]]) -> str:
    return ", ".join(g[0] if len(g) == 1 else "[" + ", ".join(g) + "]" for g in groups)


def _named_code(line: _Line, notes: list[str]) -> bool:
    """Pilot code given as names under base URLs (0.9.x, 0.9.7 and pilot-option forms): True if so."""
    code, codeurl = line.get("--wrapperpilotcode"), line.get("--wrapperpilotcodeurl")
    ptype, server = line.get("--wrapperpilottype"), line.get("--wrapperserverurl")
    libcode, srcurl = line.get("--libcode"), line.get("--pilotsrcurl")
    if code and not _is_urls(code):
        names, bases, base_opt = code, codeurl, "--wrapperpilotcodeurl"
        origin, fix = "--wrapperpilotcode (wrapper 0.9.x names)", "--wrapperpilotcodeurl=<base URL>"
    elif ptype and not code:
        names, bases = ptype, codeurl or server
        base_opt = "--wrapperpilotcodeurl" if codeurl else "--wrapperserverurl"
        origin, fix = "--wrapperpilottype (wrapper 0.9.7)", "--wrapperserverurl=<base URL>"
    elif libcode and not code:
        names, bases, base_opt = (
            libcode,
            srcurl or codeurl,
            "--pilotsrcurl" if srcurl else "--wrapperpilotcodeurl",
        )
        origin, fix = "--libcode", "--pilotsrcurl=<base URL>"
    else:
        ignored = [n for n in ("--wrapperpilottype", "--libcode", "--pilotsrcurl") if line.has(n)]
        if ignored:
            notes.append(f"{', '.join(ignored)} ignored: --wrapperpilotcode names the pilot code")
            line.remove(*ignored)
        if srcurl and not libcode:
            raise StageError(
                USAGE, "2.4 --pilotsrcurl without --libcode: name the pilot tarball with --libcode"
            )
        return False
    if not bases:
        raise StageError(USAGE, f"2.4 {origin} {names!r} needs the base URL to fetch it from: give {fix}")
    urls = [b.strip().rstrip("/") for b in bases.split(",") if b.strip()]
    files = _files(names)
    spec = _spec([[f"{u}/{f}" for u in urls] for f in files])
    line.remove("--wrapperpilottype", "--libcode", "--pilotsrcurl", base_opt)
    line.set("--wrapperpilotcode", spec)
    note = f"{origin} {names} under {', '.join(urls)} -> --wrapperpilotcode={spec}"
    if len(files) == 2 and not line.has("--wrapperpilotcoderatio"):
        line.set("--wrapperpilotcoderatio", "99,1")  # 2.4 took the first name 99 times in 100
        note += " --wrapperpilotcoderatio=99,1"
    notes.append(note)
    return True


def _checksums(line: _Line, notes: list[str]) -> None:
    """2.4 checked an md5 per URL (1.0.x) or per pilot code name (0.9.x); ours is a sha256 per
    group. Such values become ``#md5=``/``#sha256=`` on the URLs they are for."""
    given = line.get("--wrapperpilotcodechecksum")
    spec = line.get("--wrapperpilotcode") or line.get("--wrapperpilotcodeurl")
    if not given or not spec or not _is_urls(spec):
        return
    entries = [c.strip().lower().replace("md5:", "").replace("sha256:", "") for c in given.split(",")]
    groups = parse_groups(spec)
    total = sum(len(g) for g in groups)
    md5 = any(len(e) == 32 for e in entries)
    if not md5 and not len(entries) == total != len(groups):
        return  # this wrapper's form: one sha256 per group
    if len(entries) == total:
        values = [[entries.pop(0) for _ in g] for g in groups]
        what = "one per URL"
    elif len(entries) == len(groups):
        values = [[e] * len(g) for e, g in zip(entries, groups)]  # noqa: B905 (stage runs on python 3.8)
        what = "one per pilot code name"
    else:
        raise StageError(
            USAGE,
            f"2.4 --wrapperpilotcodechecksum has {len(entries)} values for {total} pilot code URLs in"
            f" {len(groups)} groups: give one per URL or one per group (none to skip one)",
        )
    out = []
    for group, sums in zip(groups, values):  # noqa: B905
        urls = []
        for url, value in zip(group, sums):  # noqa: B905
            if value in ("", "none", "null") or "#" in url:
                urls.append(url)
            else:
                urls.append(f"{url}#{'md5' if len(value) == 32 else 'sha256'}={value}")
        out.append(urls)
    line.remove("--wrapperpilotcodechecksum", "--wrapperpilotcodeurl")
    line.set("--wrapperpilotcode", _spec(out))
    notes.append(f"--wrapperpilotcodechecksum={given} (2.4: {what}) -> --wrapperpilotcode={_spec(out)}")


def _plugin(line: _Line, notes: list[str]) -> tuple[str, Plugin24 | None]:
    """This wrapper's plugin name, and the 2.4 plugin it stands for (None: not a 2.4 name)."""
    given = line.get("--wrapperplugin")
    name = given.lower()
    if line.has("--wrapperplugin") and not name:
        line.remove("--wrapperplugin")
        notes.append("empty --wrapperplugin -> the default plugin (generic)")
        return "generic", None
    if name.endswith("plugin") and name[: -len("plugin")] in PLUGINS:
        name = name[: -len("plugin")]  # the 0.9.x module name
    spec = PLUGINS.get(name)
    if spec is None or (name in NAMES and not any(line.has(n) for n in PILOT_CODE_OPTIONS)):
        return name or "generic", None
    line.set("--wrapperplugin", spec.target)
    notes.append(f"--wrapperplugin={given} (2.4) -> --wrapperplugin={spec.target}")
    return spec.target, spec


def _atlas(
    line: _Line, payload: Sequence[str], spec: Plugin24, env: Mapping[str, str], notes: list[str]
) -> list[str]:
    """What 2.4's ATLAS plugins added: -s/-h/-d when missing (appended), 65 as success, cvmfs."""
    words = line.pilot_words() + list(payload)
    tail: list[str] = []
    for opt, value, what in (
        ("-s", line.get("--wrapperwmsqueue"), "--wrapperwmsqueue"),
        ("-h", line.get("--wrapperbatchqueue"), "--wrapperbatchqueue"),
        ("-d", env.get("OSG_WN_TMP") or env.get("TMP") or "", "$OSG_WN_TMP, else $TMP"),
    ):
        if opt not in words and value:
            tail += [opt, value]
            notes.append(f"pilot gets {opt} {value} ({what}), as 2.4's ATLAS plugins added it")
    for i in range(1, len(line.items)):  # 2.4 dereferenced "-d $VAR"
        it, nxt = line.items[i - 1], line.items[i]
        if it.words == ["-d"] and not nxt.name and nxt.words[0].startswith("$"):
            var = nxt.words[0].strip("${}")
            if env.get(var):
                notes.append(
                    f"pilot -d {nxt.words[0]} -> -d {env[var]}, as 2.4's ATLAS plugins dereferenced it"
                )
                nxt.words = [env[var]]
    if spec.ok_status:
        line.set("--ok-status", spec.ok_status)
        notes.append(f"pilot exit status {spec.ok_status} is reported as 0, as 2.4's ATLAS plugins did")
    if spec.cvmfs and not line.has("--wrappercheckcvmfs"):
        line.set("--wrappercheckcvmfs", spec.cvmfs)
        notes.append(f"--wrappercheckcvmfs={spec.cvmfs}: 2.4's ATLAS plugins stopped without it")
    return tail


def _wrapper_sh(opts: list[str], payload: list[str], env: Mapping[str, str]) -> Translation:
    line = _Line(opts)
    notes: list[str] = []
    given = line.get("--wrapperplugin")
    plugin, spec = _plugin(line, notes)
    tail: list[str] = []
    if plugin in ("generic", "panda"):
        named = _named_code(line, notes)
        _checksums(line, notes)
        script = line.get("--script")
        line.remove("--script")
        # 0.9.x names and the ATLAS plugins meant an ATLAS pilot tarball with pilot.py at its top
        entry = script or ("pilot.py" if (spec.atlas if spec is not None else named) else "")
        entry_opt = "--entry" if plugin == "generic" else "--pilot-entry"
        if entry and not line.has(entry_opt):
            line.set(entry_opt, entry)
            notes.append(f"{'--script=' + script if script else 'the pilot'} -> {entry_opt}={entry}")
    if spec is not None and spec.atlas:
        if not (line.has("--wrapperpilotcode") or line.has("--wrapperpilotcodeurl")):
            raise StageError(
                USAGE,
                f"2.4 plugin {given} runs a pilot but no pilot code is given; {NO_CODE_HINT}",
            )
        tail = _atlas(line, payload, spec, env, notes)
    if line.has("--wrapperrunpilotinsubshell"):
        line.remove("--wrapperrunpilotinsubshell")
        notes.append("--wrapperrunpilotinsubshell dropped: the pilot always runs as a child process")
    if not notes:
        return Translation(list(opts) + (["--", *payload] if payload else []))
    argv = line.words() + tail + (["--", *payload] if payload else [])
    return Translation(argv, "wrapper.sh", notes)


def _is_runpilot3(line: _Line) -> bool:
    """No plugin, queue or pilot code of wrapper.sh, and the pilot's words start with a short option."""
    wrapper_sh = ("--wrapperplugin", "--wrapperwmsqueue", "--wrapperbatchqueue", *PILOT_CODE_OPTIONS)
    if any(line.has(n) for n in (*wrapper_sh, *PILOT_LOCATION)):
        return False
    words = line.pilot_words()
    return bool(words) and len(words[0]) == 2 and words[0][0] == "-" and words[0][1].isalpha()


def _value_after(words: Sequence[str], opt: str) -> str | None:
    for i in range(1, len(words)):
        if words[i - 1] == opt:
            return words[i]
    return None


def _runpilot3(line: _Line, payload: list[str], env: Mapping[str, str], rng: random.Random) -> Translation:
    words = line.pilot_words() + payload  # --extraopts words too
    line.items = [it for it in line.items if it.name and it.name != "--extraopts"]
    notes = ["runpilot3-wrapper.sh arguments: every one goes to the pilot, after -d <its run directory>"]
    sources = env.get(PILOT_HTTP_SOURCES, "").split()
    ptype = ""
    if sources:
        spec = _spec([sources])
        notes.append(f"${PILOT_HTTP_SOURCES} -> --wrapperpilotcode={spec}")
    else:
        if _value_after(words, "-u") == "ptest":
            url, ptype = RUNPILOT3_PT
        elif rng.randrange(100) == 0:
            url, ptype = RUNPILOT3_RC
        else:
            url, ptype = RUNPILOT3_PR
        spec = url
        notes.append(f"no ${PILOT_HTTP_SOURCES}: runpilot3's own choice {url}, pilot type -i {ptype}")
    line.set("--wrapperplugin", "generic")
    line.set("--wrapperpilotcode", spec)
    line.set("--entry", "pilot.py")
    line.set("--rundir-arg", "-d")
    line.set("--status-file", "STATUSCODE")
    line.set("--fsize-limit", str(RUNPILOT3_FSIZE_KB))
    k = _value_after(words, "-k")
    if k is not None:
        try:
            mb = int(k)
        except ValueError:
            raise StageError(USAGE, f"runpilot3 -k is the memory limit in MB (0: none), not {k!r}") from None
        if mb > 0:
            line.set("--vmem-limit", str(mb * 1000))
            notes.append(f"-k {k} -> --vmem-limit={mb * 1000} (kB, runpilot3's ulimit -v)")
    setenv = {
        k[len(FORCE_PREFIX) :]: v for k, v in env.items() if k.startswith(FORCE_PREFIX) and k != FORCE_PREFIX
    }
    for name in sorted(setenv):
        notes.append(f"${FORCE_PREFIX}{name} -> ${name} (runpilot3's forced environment)")
    argv = line.words() + ["--", *words] + (["-i", ptype] if ptype else [])
    return Translation(argv, "runpilot3-wrapper.sh", notes, setenv, RUNPILOT3_UNSET)


def translate(argv: Sequence[str], env: Mapping[str, str], rng: random.Random | None = None) -> Translation:
    """This wrapper's command line for ``argv``. Raises StageError(USAGE) for a 2.4 line that
    cannot work, naming the fix."""
    opts, payload = split_payload(argv)
    line = _Line(opts)
    if _is_runpilot3(line):
        return _runpilot3(line, payload, env, rng or random.Random())
    return _wrapper_sh(opts, payload, env)
