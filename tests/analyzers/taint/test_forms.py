"""A WTForms object built from the request: its fields render escaped and its methods return
the form's own text, while ``.data`` and ``populate_obj`` carry what the user typed."""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

APP = (
    "from flask import Flask, request\n"
    "from markupsafe import Markup\n"
    "import forms\n"
    "app = Flask(__name__)\n"
    "class Obj:\n"
    "    name = ''\n"
    "@app.post('/edit')\n"
    "def edit():\n"
    "    form_class = getattr(forms, request.args.get('kind', 'Base') + 'Form', forms.BaseForm)\n"
    "    form = form_class(formdata=request.form)\n"
    "    if not form.validate():\n"
    "        return Markup(form.extra_content())\n"  # 12: the class's own text
    "    obj = Obj()\n"
    "    form.populate_obj(obj)\n"
    "    page = Markup(form.name.data)\n"  # 15: the user's text
    "    return page + Markup(obj.name) + Markup(form.name())\n"  # 16: obj holds the user's text
)


INLINE = (
    "from flask import Flask, request, render_template\n"
    "from jinja2 import Environment\n"
    "app = Flask(__name__)\n"
    "@app.post('/panel')\n"
    "def panel():\n"
    "    form = app.config['FORM'](formdata=request.form)\n"
    "    template = Environment().from_string(form.extra_content())\n"
    "    ctx = {'form': form, 'uuid': request.args['u']}\n"
    "    safe = template.render(form=form)\n"
    "    raw = template.render(**ctx)\n"
    "    return render_template('p.html', a=safe, b=raw)\n"  # 11: b is printed |safe
)


def test_a_form_rendered_by_an_inline_template_prints_escaped_fields(tmp_path: Path) -> None:
    root = write(tmp_path, {"app.py": INLINE, "templates/p.html": "{{ a|safe }} {{ b|safe }}\n"})
    findings = [f for f in run_taint(root).findings if f.rule_id == "sec.xss"]
    assert [f.location.line for f in findings] == [11] and "b" in findings[0].message


def test_form_objects_render_escaped_and_data_stays_input(tmp_path: Path) -> None:
    findings = run_taint(write(tmp_path, {"app.py": APP, "forms.py": "BaseForm = object\n"})).findings
    assert {f.location.line for f in findings if f.rule_id == "sec.xss"} == {15, 16}


UNMARK = (
    "from flask import Flask, request\n"
    "from markupsafe import Markup\n"
    "app = Flask(__name__)\n"
    "@app.post('/c')\n"
    "def c():\n"
    "    plain = Markup(request.form['comments']).unescape()\n"  # 6: back to text at once
    "    return Markup(request.form['title']), plain\n"  # 7: marked safe
)


def test_markup_turned_back_into_text_marks_nothing_safe(tmp_path: Path) -> None:
    findings = run_taint(write(tmp_path, {"app.py": UNMARK})).findings
    assert {f.location.line for f in findings if f.rule_id == "sec.xss"} == {7}
