"""Cancel policies: what happens to orders still open when a session ends."""

from __future__ import annotations


class CancelPolicy:
    """Base class: ``cancels_at_session_end`` says whether open orders die at the close."""

    cancels_at_session_end: bool = False


class NeverCancel(CancelPolicy):
    """Orders stay open until filled or cancelled: partial fills carry over to later bars.

    This is the default, as in Zipline.
    """


class EODCancel(CancelPolicy):
    """Cancel what is still open at the end of each session, as zipline does: with minute
    bars, every order open after the session's last minute is cancelled then. With daily
    bars nothing is cancelled (zipline skips the policy in daily mode: an order placed at
    the day's only bar could otherwise never fill), so orders carry over as with
    :class:`NeverCancel`.
    """

    cancels_at_session_end = True

    def __init__(self, warn_on_cancel: bool = True) -> None:
        self.warn_on_cancel = warn_on_cancel
