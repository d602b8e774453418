"""2.4's special values: ``None``, ``True`` and ``False`` for every key.

2.4's configuration loader (``Config.generic_get``) turned a whole value of ``None`` or ``none`` into
Python's None, ``True``/``true`` into True and ``False``/``false`` into False, whatever the key: a
proxy profile list, a sched number, a condor attribute's value. It did not touch other spellings
(``NONE`` stayed the text "NONE"; only boolean keys, read with ``getboolean``, took ``TRUE`` or ``yes``).

Here every value is brought to the canonical spelling when the configuration is read, so each key's
parser sees ``None``/``True``/``False`` whichever of 2.4's two spellings the file used: ``None`` is
"unset" for every key type, ``True``/``False`` are booleans (and the text ``True``/``False`` where a
string is expected, which is what 2.4 printed into submit files).
"""

from __future__ import annotations

CANONICAL = {
    "None": "None",
    "none": "None",
    "True": "True",
    "true": "True",
    "False": "False",
    "false": "False",
}

# spellings 2.4 left alone outside boolean keys (check-config points them out)
LOOKALIKES = frozenset({"none", "true", "false"})


def canonical(text: str) -> str:
    """``text`` with 2.4's two spellings of None/True/False brought to one; any other text unchanged."""
    return CANONICAL.get(text.strip(), text)


def lookalike(text: str) -> bool:
    """A spelling of none/true/false that 2.4 did not read as one (``NONE``, ``TRUE``, ``FaLsE``)."""
    s = text.strip()
    return s.lower() in LOOKALIKES and s not in CANONICAL
