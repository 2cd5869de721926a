"""Command-line entry points of the super-resolution task (``sr-eval``, ``sr-upscale``, ...).

Each module has ``build_parser()`` and ``main(argv=None) -> int``; ``scripts/sr_*.py`` are the
thin files that run them from a clone.
"""
