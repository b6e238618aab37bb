"""``python -m rustybt``: hands over to the ``rustybt`` CLI, or says how to install it."""

from __future__ import annotations

import sys


def main() -> int:
    """Run the CLI from ``rustybt-cli`` if it is installed; otherwise explain and return 1."""
    try:
        from rustybt_cli.main import main as cli_main
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith("rustybt_cli"):
            raise
        from rustybt.install_hint import install_command

        print(
            "error: the rustybt command line is in a separate package; "
            f"install it with: {install_command('rustybt-cli')}",
            file=sys.stderr,
        )
        return 1
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
