"""Plumbing shared by the three tasks that is not image maths.

* :mod:`common.quiet` imports TensorFlow without its start-up chatter; every entry point (the
  task packages' ``__init__`` and ``scripts/*.py``) imports it first.
* :mod:`common.errors` is the root of the errors meant for the person at the terminal.
* :mod:`common.cli`: one-line argparse errors, flag types, ``run_main``, and flags built from
  a frozen config dataclass's fields.
* :mod:`common.files`: atomic writes; :mod:`common.runconfig`: the config file every run
  writes, under one naming rule.
* :mod:`common.precision`: float32 / mixed_bfloat16 and the CPU probe; :mod:`common.seeds`;
  :mod:`common.progress` (progress bars on stderr); :mod:`common.pretrained` (ImageNet weights
  of Keras applications: VGG19, InceptionV3).

Only :mod:`common.quiet`, :mod:`common.precision`, :mod:`common.seeds` and
:mod:`common.pretrained` import TensorFlow.
"""
