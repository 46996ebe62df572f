"""Errors shoplines raises itself; each message is one sentence a support person can act on."""


class ShoplinesError(Exception):
    """Base for our own errors (configuration, bad input, a step that must stop)."""


class ConfigError(ShoplinesError):
    """A required setting is missing or wrong."""


class DeliveryError(ShoplinesError):
    """A delivery could not be completed; nothing was recorded as delivered that was not."""
