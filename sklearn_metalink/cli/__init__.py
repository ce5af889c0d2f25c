"""The ``sklearn-metalink`` command line: train, predict, evaluate and info on CSV files.

Installed as a console script with the package. Conventions follow chemprop's command line
(``--smiles-columns``, ``--target-columns``, empty cells for unknown labels); a model is one
file written by :func:`sklearn_metalink.persistence.save_model`. Progress goes to stderr, and
an error is one line on stderr with exit status 1 (``--debug`` shows the traceback).
"""

import sys
import warnings

from ._parser import build_parser

__all__ = ["main"]


def main(argv=None):
    """Run ``sklearn-metalink`` with ``argv`` (default: the process arguments).

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name.

    Returns
    -------
    status : int
        0 on success, 1 after an error (reported on stderr).

    Examples
    --------
    >>> from sklearn_metalink.cli import main
    >>> main(["info", "no-such-file.safetensors"])  # doctest: +SKIP
    1
    """
    args = build_parser().parse_args(argv)
    progress = _reporter(quiet=getattr(args, "quiet", False))
    with warnings.catch_warnings():
        warnings.filterwarnings("default", category=UserWarning)
        warnings.showwarning = _show_warning
        try:
            _command(args.command)(args, progress)
        except Exception as error:
            if args.debug:
                raise
            print(f"sklearn-metalink {args.command}: error: {_one_line(error)}", file=sys.stderr)
            return 1
    return 0


def _command(name):
    # Imported on use: --help and info answer without the seconds torch takes to import.
    if name == "info":
        from ._info import info

        return info
    from ._commands import COMMANDS

    return COMMANDS[name]


def _reporter(quiet):
    def progress(message):
        if not quiet:
            print(message, file=sys.stderr, flush=True)

    return progress


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"sklearn-metalink: warning: {_one_line(message)}", file=sys.stderr)


def _one_line(error):
    text = " ".join(str(error).split())
    return text if text else type(error).__name__
