"""RustyBT's ``ray`` sweep executor: ``rustybt sweep --executor ray`` runs a sweep's backtests
on Ray actors, on this machine or on an existing cluster (``--ray-address HOST:PORT``).

The sweep's task (the strategy's source text, its data options and fixed parameters) is put
in Ray's object store once; each actor (one per ``--jobs``, by default one per CPU of the
cluster) builds one :class:`~rustybt.sweep.worker.SweepWorker` from it and runs run after
run on it, and outcomes come back as runs finish, so the progress bar moves.

The data does not travel with the task: each actor opens it itself, through the task's
source options, once. On one machine that is simply the same data as ``rustybt run``'s. On
a cluster of several machines every node must reach it:

- the ``sample`` source is embedded in ``rustybt-core``: nothing to do;
- ``--source files --data-dir DIR``: DIR must be the same path on every node (a shared
  file system, or a copy at the same path);
- a network source (``yfinance``, ``ccxt``) reads through each node's own bar store, so
  each node fetches the bars once and reuses them for every run.

Every node needs the same Python and the same ``rustybt-core``/``rustybt-ray`` (and data
source plugins) installed as the machine running ``rustybt sweep``.

Core never imports Ray: the package registers the executor through the
``rustybt_register_executors`` hook (entry point ``ray`` in group ``rustybt``) and Ray is
imported only when a sweep opens the executor.
"""
