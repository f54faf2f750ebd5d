"""Stream simulations: pure Python, no Django.

* ``windows``: KDA tumbling, sliding and stagger windows (plus Flink event-time contrast).
* ``kpl``: the Kinesis Producer Library pipeline with real aggregated-record bytes.
* ``spec``: ``run_spec``, the ``simulate`` JSON contract; ``errors.SpecError``.
* ``presets``: event presets and the CSV events parser; ``embed``: the ```sim block syntax.
* ``exercises``: engine-computed practice questions; ``svg``: the timeline SVG.

The reference semantics are in ``SIMULATIONS.md`` (shared with the project).
"""
