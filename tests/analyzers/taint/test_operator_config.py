"""Paths and URLs from the environment or the command line are the operator's configuration:
not path traversal or SSRF. The same values in a shell command stay reported, and so does a
request's path."""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

APP = (
    "import os, sys, shutil, requests\n"
    "from flask import Flask, request\n"
    "app = Flask(__name__)\n"
    "DATA_DIR = os.getenv('DATA_DIR', '/srv/data')\n"
    "shutil.rmtree(os.path.join(DATA_DIR, 'cache'))\n"  # 5: the operator's directory
    "requests.get(os.environ['OLLAMA_URL'] + '/api/tags', timeout=5)\n"  # 6: the operator's host
    "def main():\n"
    "    open(sys.argv[1]).read()\n"  # 8: the user's own file
    "    os.system('tar czf backup.tgz ' + sys.argv[1])\n"  # 9: still a shell command
    "@app.get('/f')\n"
    "def f():\n"
    "    return open(os.path.join(DATA_DIR, request.args['name'])).read()\n"  # 12: the request's path
)


def test_operator_chosen_paths_and_hosts_are_configuration(tmp_path: Path) -> None:
    findings = run_taint(write(tmp_path, {"app.py": APP})).findings
    kinds = {"sec.path-traversal", "sec.ssrf", "sec.command-injection"}
    assert {(f.location.line, f.rule_id) for f in findings if f.rule_id in kinds} == {
        (9, "sec.command-injection"),
        (12, "sec.path-traversal"),
    }


PROGRAM = (
    "import os, subprocess, sys\n"
    "def convert(data):\n"
    "    tool = os.getenv('PDF_TO_HTML_TOOL', 'pdftohtml')\n"
    "    subprocess.Popen([tool, '-stdout', '-', '-i'], stdin=subprocess.PIPE)\n"  # 4: configuration
    "    subprocess.run(tool + ' -i x', shell=True)\n"  # 5: a shell reads it
    "    subprocess.run(['sh', '-c', os.environ['HOOK']])\n"  # 6: a shell command line
    "def main():\n"
    "    subprocess.run([sys.argv[1], '--version'])\n"  # 8: the operator's own program
)


def test_the_program_an_operator_names_is_configuration(tmp_path: Path) -> None:
    """changedetection.io runs the PDF converter the environment names, as a list, no shell."""
    found = {
        f.location.line
        for f in run_taint(write(tmp_path, {"app.py": PROGRAM})).findings
        if f.rule_id == "sec.command-injection"
    }
    assert found == {5, 6}
