"""Batch backends: where pilots run (local processes, HTCondor, Slurm)."""
