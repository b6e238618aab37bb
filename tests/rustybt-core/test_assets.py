"""Assets as dict keys: equal assets hash alike, in this process and after pickling."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from decimal import Decimal

import attrs
from rustybt.assets import Asset


def test_equal_assets_find_each_other_in_a_dict_whatever_their_other_fields() -> None:
    looked_up = Asset(symbol="AAPL", sid=7, asset_name="Apple", tick_size=Decimal("0.01"))
    written = Asset(symbol="AAPL")
    positions = {written: 10}
    assert looked_up == written and hash(looked_up) == hash(written)
    assert positions[looked_up] == 10
    assert Asset(symbol="AAPL", exchange="XNAS") not in positions
    assert Asset(symbol="MSFT") not in positions


def test_a_copied_or_changed_asset_hashes_as_one_made_anew() -> None:
    asset = Asset(symbol="AAPL", sid=7)
    assert hash(copy.copy(asset)) == hash(copy.deepcopy(asset)) == hash(asset)
    renamed = attrs.evolve(asset, symbol="MSFT")
    assert hash(renamed) == hash(Asset(symbol="MSFT")) and renamed != asset


def test_a_pickled_asset_leaves_its_hash_out_and_keys_dicts_in_another_process() -> None:
    # String hashes differ between processes: an asset loaded elsewhere must hash as the
    # assets made there do, or a journal's positions would not be found by symbol('AAPL').
    asset = Asset(symbol="AAPL", sid=7)
    assert "_hash_of" not in asset.__getstate__()
    assert "_hash_of" not in pickle.loads(pickle.dumps(asset)).__getstate__()
    loader = (
        "import pickle, sys\n"
        "from rustybt.assets import Asset\n"
        "asset, positions = pickle.loads(sys.stdin.buffer.read())\n"
        "print(positions[Asset(symbol='AAPL')], Asset(symbol='AAPL') in {asset: 1}, asset.sid)\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", loader],
        input=pickle.dumps((asset, {asset: 10})),
        capture_output=True,
        check=True,
    )
    assert loaded.stdout.decode().split() == ["10", "True", "7"]
