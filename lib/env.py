"""Read settings from environment variables, refusing bad values loudly."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _get(name: str) -> str | None:
    # An empty assignment (NAME= in an env file) means "use the default", as if unset.
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def env_str(name: str, default: str | None = None) -> str:
    """Return a string variable, or raise when it is unset and has no default."""
    value = _get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """Return a variable that must be one of `choices`, or raise naming them."""
    value = env_str(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean variable (1/0, true/false, yes/no, on/off)."""
    value = _get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return an integer variable, optionally with a lower bound."""
    value = _get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list variable."""
    value = _get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_float(name: str, default: float) -> float:
    """Return a decimal number variable."""
    value = _get(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None
