"""Queue keys of the ``Slurm`` batch submit plugin (``batchsubmit.slurm.*``)."""

from __future__ import annotations

from autopyfactory.batch.slurm.settings import PREFIX
from autopyfactory.config.keys import BOOL, NONNEG_INT, STR, Key

PARTITION = Key(PREFIX + "partition", STR, "", "sbatch --partition")
ACCOUNT = Key(PREFIX + "account", STR, "", "sbatch --account")
QOS = Key(PREFIX + "qos", STR, "", "sbatch --qos")
TIME = Key(PREFIX + "time", STR, "", "sbatch --time (Slurm notation: MM, HH:MM:SS, D-HH:MM...)")
CPUS = Key(PREFIX + "cpus", NONNEG_INT, None, "sbatch --cpus-per-task")
MEMORY = Key(PREFIX + "memory", STR, "", "sbatch --mem (2000, 2000M, 2G)")
OPTIONS = Key(PREFIX + "options", STR, "", "extra sbatch options, shell words, added last (CLI mode only)")
ENVIRON = Key(PREFIX + "environ", STR, "", "extra pilot environment, 'K=V K2=V2'")
EXPORT = Key(PREFIX + "export", STR, "", "sbatch --export (default: Slurm's, i.e. ALL; CLI mode only)")
CHDIR = Key(PREFIX + "chdir", STR, "", "the pilot's landing directory (default: its log directory)")
TRANSFER = Key(
    PREFIX + "transferexecutable",
    BOOL,
    False,
    "ship the executable inside the batch script (for workers that do not share the factory's files)",
)
MAX_ARRAY = Key(PREFIX + "maxarraysize", NONNEG_INT, 1000, "largest job array; more pilots are split")

SUBMIT_KEYS = (
    PARTITION,
    ACCOUNT,
    QOS,
    TIME,
    CPUS,
    MEMORY,
    OPTIONS,
    ENVIRON,
    EXPORT,
    CHDIR,
    TRANSFER,
    MAX_ARRAY,
)
