"""Asset restrictions: which assets a strategy may not order, and since when.

As in zipline (and importable from the same place, ``rustybt.finance.asset_restrictions``,
or from ``rustybt.api``)::

    set_asset_restrictions(StaticRestrictions([symbol("MSFT")]))
    set_asset_restrictions(
        HistoricalRestrictions([
            Restriction(symbol("IBM"), pd.Timestamp("2011-01-03"), RESTRICTION_STATES.FROZEN),
            Restriction(symbol("IBM"), pd.Timestamp("2011-07-01"), RESTRICTION_STATES.ALLOWED),
        ])
    )

An order for a restricted asset breaks the trading control ``set_asset_restrictions``
installs, and ``data.can_trade`` is False for it. Restrictions combine with ``|``: an asset
is restricted when any part restricts it. Dates without a time zone are UTC.
"""

from __future__ import annotations

import abc
import bisect
import enum
from collections.abc import Iterable
from typing import Any

import attrs
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.schema import to_utc_timestamp
from rustybt.errors import StrategyError


class RestrictionState(enum.IntEnum):
    """What a :class:`Restriction` makes of its asset from its effective date on."""

    ALLOWED = 0
    FROZEN = 1


RESTRICTION_STATES = RestrictionState
"""Zipline's name for :class:`RestrictionState`."""


def _an_asset(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if not isinstance(value, Asset):
        raise StrategyError(
            f"{type(instance).__name__} takes assets from symbol('...'), got {value!r}"
        )


def _asset_set(value: Any) -> frozenset[Asset]:
    if isinstance(value, Asset | str) or not isinstance(value, Iterable):
        raise StrategyError(
            f"restricted assets must be a collection of assets from symbol('...'), got {value!r}"
        )
    return frozenset(value)


@attrs.frozen
class Restriction:
    """From ``effective_date`` on, ``asset`` is in ``state`` (until a later restriction of
    the same asset). Positional, like zipline's namedtuple: ``Restriction(asset, date,
    RESTRICTION_STATES.FROZEN)``."""

    asset: Asset = attrs.field(validator=_an_asset)
    effective_date: pd.Timestamp = attrs.field(converter=to_utc_timestamp)
    state: RestrictionState = attrs.field(converter=RestrictionState)


class Restrictions(abc.ABC):
    """A set of assets the strategy may not order, which may change over time."""

    @abc.abstractmethod
    def is_restricted(self, asset: Asset, dt: pd.Timestamp) -> bool:
        """Whether ``asset`` is restricted at ``dt`` (a UTC timestamp)."""

    def __or__(self, other: Restrictions) -> Restrictions:
        """Restrictions that restrict what either of the two restricts."""
        return UnionRestrictions(parts=(self, other))


@attrs.frozen(kw_only=True)
class UnionRestrictions(Restrictions):
    """What any of ``parts`` restricts (build it with ``a | b``)."""

    parts: tuple[Restrictions, ...]

    def is_restricted(self, asset: Asset, dt: pd.Timestamp) -> bool:
        """True when any part restricts ``asset`` at ``dt``."""
        return any(part.is_restricted(asset, dt) for part in self.parts)


@attrs.frozen
class StaticRestrictions(Restrictions):
    """The assets of ``restricted_list`` are restricted for the whole run."""

    restricted_list: frozenset[Asset] = attrs.field(
        converter=_asset_set, validator=attrs.validators.deep_iterable(_an_asset)
    )

    def is_restricted(self, asset: Asset, dt: pd.Timestamp) -> bool:
        """True when ``asset`` is in the list, whatever ``dt``."""
        return asset in self.restricted_list


@attrs.frozen
class HistoricalRestrictions(Restrictions):
    """Each asset is in the state of its latest :class:`Restriction` effective at or before
    the time asked about; ALLOWED before its first one."""

    restrictions: tuple[Restriction, ...] = attrs.field(converter=tuple)
    _timeline: dict[Asset, tuple[list[int], list[RestrictionState]]] = attrs.field(
        init=False, repr=False, eq=False
    )

    def __attrs_post_init__(self) -> None:
        for restriction in self.restrictions:
            if not isinstance(restriction, Restriction):
                raise StrategyError(
                    f"HistoricalRestrictions takes Restriction(asset, effective_date, state) "
                    f"items, got {restriction!r}"
                )
        timeline: dict[Asset, tuple[list[int], list[RestrictionState]]] = {}
        # A stable sort: two restrictions of one asset at one time apply in the given order.
        for r in sorted(self.restrictions, key=lambda r: r.effective_date.value):
            times, states = timeline.setdefault(r.asset, ([], []))
            times.append(r.effective_date.value)
            states.append(r.state)
        object.__setattr__(self, "_timeline", timeline)

    def is_restricted(self, asset: Asset, dt: pd.Timestamp) -> bool:
        """True when the asset's latest restriction effective by ``dt`` is FROZEN."""
        entry = self._timeline.get(asset)
        if entry is None:
            return False
        times, states = entry
        position = bisect.bisect_right(times, to_utc_timestamp(dt).value)
        return position > 0 and states[position - 1] == RestrictionState.FROZEN


def as_restrictions(assets_or_restrictions: Restrictions | Iterable[Asset]) -> Restrictions:
    """``assets_or_restrictions`` as :class:`Restrictions`: restrictions as they are, a
    collection of assets as :class:`StaticRestrictions` (zipline's ``set_do_not_order_list``)."""
    if isinstance(assets_or_restrictions, Restrictions):
        return assets_or_restrictions
    return StaticRestrictions(assets_or_restrictions)
