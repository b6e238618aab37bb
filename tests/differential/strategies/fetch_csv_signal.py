"""fetch_csv of a signal that is about no asset (symbol="SIGNAL"): the strategy serves its
own CSV on 127.0.0.1 while initialize fetches it (zipline fetches through HTTP only), then
holds AAPL in the proportion the latest signal says. Rows stamped after a session's close
(22:00 UTC) or on a weekend count from the next session; a row of 2009 holds from the start.
"""

import contextlib
import functools
import http.server
import shutil
import tempfile
import threading
from pathlib import Path

from zipline.api import fetch_csv, order_target_percent, record, symbol

ROWS = ["date,weight,note", "2009-12-15 00:00:00,0.2,start"]
for month in range(1, 37):
    year, m = 2010 + (month - 1) // 12, (month - 1) % 12 + 1
    ROWS.append(f"{year}-{m:02d}-10 00:00:00,{(month % 5) / 5:.1f},month{month}")
    ROWS.append(f"{year}-{m:02d}-20 22:00:00,{(month % 3) / 4:.2f},late{month}")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def served(name, text):
    """The URL of ``text`` as file ``name`` on a loopback HTTP server, while in the block."""
    folder = Path(tempfile.mkdtemp(prefix="fetch-csv-"))
    (folder / name).write_text(text)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{name}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        shutil.rmtree(folder)


def initialize(context):
    context.asset = symbol("AAPL")
    with served("signal.csv", "\n".join(ROWS) + "\n") as url:
        fetch_csv(url, symbol="SIGNAL")
    context.weight = None


def handle_data(context, data):
    weight = data.current("SIGNAL", "weight")
    record(weight=weight, note=data.current("SIGNAL", "note"))
    if weight != context.weight:
        context.weight = weight
        order_target_percent(context.asset, weight)
