"""``aucscape explore --help`` and ``connect --help``: every option states its default,
and every example in the epilog is a command line the parser accepts."""

from __future__ import annotations

import pytest

from aucscape.cli import build_parser
from test_cli_landscape import cli  # the in-process CLI runner
from test_cli_spiral_options import option_help


@pytest.mark.parametrize("command", ["explore", "connect"])
def test_every_option_states_its_default_and_the_examples_parse(command, capsys):
    rc, out, _ = cli(capsys, command, "--help")
    assert rc == 0
    parser = build_parser()
    sub = next(a for a in parser._subparsers._group_actions).choices[command]
    flags = [a.option_strings[0] for a in sub._actions
             if a.option_strings and a.option_strings[0] not in ("-h", "--db")]
    assert len(flags) >= 8
    for flag in flags:
        assert "default" in option_help(out, flag), flag
    examples = [line.strip() for line in out.split("examples:")[1].splitlines()]
    joined = " ".join(examples).replace("\\ ", "").split("aucscape ")[1:]
    assert len(joined) >= 3
    for example in joined:  # each example is a valid command line for this parser
        argv = example.split("#")[0].split()
        assert argv[0] == command
        build_parser().parse_args(argv)
