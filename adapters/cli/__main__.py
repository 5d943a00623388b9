"""``python -m adapters.cli``: the same entry point as the ``endoveil`` script."""

from adapters.cli.main import main

main()
