"""The headless commands of `tokenwood`, one small module each.

    run      play a season headless                        engine/commands/run.py
    models   list the model registry, or prepare models    engine/commands/models.py
    doctor   check this machine for a council               engine/commands/doctor.py
    parse    parse one raw answer from stdin                engine/commands/parse.py
    eval     play seasons per seed and write a report       engine/commands/eval.py
    compare  heterogeneous against homogeneous councils     engine/commands/compare.py
    probe    one fact changed in views: do decisions follow engine/commands/probe.py
    distill  distill a house model                          engine/commands/distill.py
    traces   work with traces files                         engine/commands/traces.py

Each module has `add_parser(subparsers)`, which declares the command, its arguments and its handler
(`handle(args) -> exit status`, set as the parser's `handler` default). Arguments several commands
share are declared once, in `engine/commands/common.py`. The `tokenwood` command itself
(`tokenwood_tui/cli.py`) builds one parser from these and the terminal UI's own commands; the engine
never imports the UI.
"""
