"""The pure core of endoveil: the Video aggregate, its rulebook, ports and pipeline."""
