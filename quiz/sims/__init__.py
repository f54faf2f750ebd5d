"""Stream simulations: pure Python, no Django.

* ``windows``: KDA tumbling, sliding and stagger windows (plus Flink event-time contrast).
* ``kpl``: the Kinesis Producer Library pipeline with real aggregated-record bytes.
* ``spec``: ``run_spec``, the ``simulate`` JSON contract; ``errors.SpecError``.
* ``presets``: event presets and the CSV events parser; ``embed``: the ```sim block syntax.
* ``kinds``: the one registry of simulation kinds every layer reads.
* ``forms`` and ``figures`` (with ``lab``): the Labs' parameters ⇄ specs, and what they draw.
* ``exercises``: engine-computed practice questions; ``svg``: the timeline SVG.
* ``link``: the sim block check and the simulation a card's words suggest.

The reference semantics, with their sources, are in ``docs/simulations.md``.
"""
