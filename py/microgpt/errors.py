"""One error type for everything a user can get wrong: a setting, a dataset or a file."""


class MicrogptError(ValueError):
    """Bad input, with a message meant for a person (the CLI prints it on one line)."""
