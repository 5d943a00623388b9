"""``python -m adapters.cli``: the same entry point as the ``endoveil`` script."""

from adapters.cli.quick_status import main

main()
