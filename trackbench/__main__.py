"""``python -m trackbench`` is the ``bench`` command."""

from trackbench.harness.cli import main

if __name__ == "__main__":
    main()
