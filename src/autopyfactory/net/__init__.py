"""Network helpers shared by the factory's clients."""
