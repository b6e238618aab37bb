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
    """Cancel what is still open at the end of each session.

    An order always gets at least one bar to fill: with daily bars, an order placed in
    ``handle_data`` on day t is tried on day t+1 and whatever did not fill then is cancelled
    at the end of day t+1.
    """

    cancels_at_session_end = True

    def __init__(self, warn_on_cancel: bool = True) -> None:
        self.warn_on_cancel = warn_on_cancel
