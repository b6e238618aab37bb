"""A backtest changes the garbage collector's settings only while it runs."""

from __future__ import annotations

import gc

import pytest
from rustybt.collector import collections_of_run_objects_only


@pytest.fixture
def collector_settings():
    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_settings_are_restored_and_nothing_stays_frozen(collector_settings) -> None:
    before = gc.get_threshold()
    with collections_of_run_objects_only():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > before[0]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_an_application_that_froze_objects_keeps_them_frozen(collector_settings) -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with collections_of_run_objects_only():
        pass
    assert gc.get_freeze_count() >= frozen > 0


def test_a_disabled_collector_is_left_alone(collector_settings) -> None:
    gc.disable()
    before = gc.get_threshold()
    with collections_of_run_objects_only():
        assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert not gc.isenabled()


def test_building_the_results_pauses_the_collector_and_restores_it() -> None:
    from rustybt.collector import no_collections

    assert gc.isenabled()
    with no_collections():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with no_collections():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an application's choice is kept
    finally:
        gc.enable()
