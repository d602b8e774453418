"""The Slurm batch backend: pilots submitted with ``sbatch`` (job arrays) or through slurmrestd."""
