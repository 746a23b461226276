"""tagship's example Python package."""


def greeting() -> str:
    return "hello from veilid"
