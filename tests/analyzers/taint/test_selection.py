"""Real-code shapes (issue 8): a request value that selects something is not the thing selected,
and a route parameter of one URL segment cannot traverse as a file name. Each shape has the
real flow beside it, still confirmed."""

from __future__ import annotations

from pathlib import Path

from stackaudit.model import Finding
from tests.analyzers.taint.helpers import run_taint, write

FLASK = "import os\nfrom flask import Flask, request, redirect, send_from_directory\napp = Flask(__name__)\n"


def _flows(root: Path) -> dict[tuple[int, str], str]:
    """(line, rule) -> origin of every finding."""
    return {(f.location.line, f.rule_id): _origin(f) for f in run_taint(root).findings}


def _origin(finding: Finding) -> str:
    return dict(finding.properties)["origin"]


def _app(body: str) -> dict[str, str]:
    return {"app.py": FLASK + body}


LOOKUPS = """
@app.route('/a')
def a():
    book = calibre_db.get_book(request.args['id'])
    return open(os.path.join('/lib', book.path)).read()

@app.route('/b')
def b():
    from storage import Storage
    return open(Storage.get_file(request.args['id'])).read()

@app.route('/c')
def c():
    return open(os.path.join('/lib', request.args['name'])).read()
"""


def test_a_record_looked_up_by_a_request_id_is_not_the_request(tmp_path: Path) -> None:
    flows = _flows(write(tmp_path, _app(LOOKUPS)))
    path_lines = {line for line, rule in flows if rule == "sec.path-traversal"}
    assert path_lines == {17}  # only the real flow: the name itself joined into the path
    assert flows[(17, "sec.path-traversal")] == "confirmed"


def test_a_looked_up_record_in_a_shell_is_second_order(tmp_path: Path) -> None:
    body = "\n@app.route('/s')\ndef s():\n    job = jobs.find_job(request.args['id'])\n    os.system(job.command)\n"
    (finding,) = run_taint(write(tmp_path, _app(body))).findings
    assert finding.rule_id == "sec.command-injection" and _origin(finding) == "unconfirmed"
    assert "find_job() looks up" in dict(finding.properties)["origin_reason"]


MODELS = """
class FilesTable:
    def row(self, id):
        return db.query(File).filter_by(id=id).first()

    def under_root(self, name):
        return "/srv/files/" + name

Files = FilesTable()
"""

VIEWS = """from flask import Flask, request
from models import Files
app = Flask(__name__)

@app.route('/row')
def row():
    return open(Files.row(request.args['id']).path).read()

@app.route('/name')
def name():
    return open(Files.under_root(request.args['name'])).read()
"""


def test_a_module_level_instance_is_followed_into_its_class(tmp_path: Path) -> None:
    flows = _flows(write(tmp_path, {"models.py": MODELS, "views.py": VIEWS}))
    assert (7, "sec.path-traversal") not in flows  # the row a query found: stored data
    assert flows[(11, "sec.path-traversal")] == "confirmed"  # the name itself, through the method


SEGMENTS = """
@app.route('/p/<name>')
def p(name):
    return open(os.path.join('/srv/pages', name)).read()

@app.route('/q/<name>')
def q(name):
    return open(os.path.join('/srv/pages', name + '.md')).read()

@app.route('/r/<path:name>')
def r(name):
    return open(os.path.join('/srv/pages', name)).read()

@app.route('/s/<name>')
def s(name):
    return open(os.path.join('/srv/pages', name, 'index.html')).read()

@app.route('/t/<name>')
def t(name):
    import shutil
    shutil.rmtree(os.path.join('/srv/pages', name))
    return ''
"""


def test_a_one_segment_route_parameter_cannot_traverse_as_a_file_name(tmp_path: Path) -> None:
    flows = _flows(write(tmp_path, _app(SEGMENTS)))
    paths = {line: origin for (line, rule), origin in flows.items() if rule == "sec.path-traversal"}
    assert 7 not in paths and 11 not in paths  # <name> as the file name: at most '..', opens nothing
    assert paths[15] == "confirmed"  # <path:name> holds slashes
    assert paths[19] == "confirmed"  # a directory: /srv/pages/../index.html
    assert paths[24] == "confirmed"  # rmtree of /srv/pages/.. removes the parent


FASTAPI = """import os
from fastapi import FastAPI
app = FastAPI()

@app.get('/f/{name}')
def f(name: str):
    return open(os.path.join('/srv', name)).read()

@app.get('/g/{name:path}')
def g(name: str):
    return open(os.path.join('/srv', name)).read()

@app.get('/h')
def h(name: str):
    return open(os.path.join('/srv', name)).read()
"""


def test_fastapi_path_parameters_follow_their_converter(tmp_path: Path) -> None:
    flows = _flows(write(tmp_path, {"api.py": FASTAPI}))
    paths = {line for line, rule in flows if rule == "sec.path-traversal"}
    assert paths == {11, 15}  # {name:path} and a query parameter can hold slashes; {name} cannot


DJANGO_URLS = """from django.urls import path, re_path
from . import views
urlpatterns = [
    path('a/<str:name>/', views.page),
    path('b/<path:name>/', views.raw),
    re_path(r'^c/(?P<name>[^/]+)/$', views.seg),
]
"""

DJANGO_VIEWS = """import os
from django.http import HttpResponse

def page(request, name):
    return HttpResponse(open(os.path.join('/srv', name)).read())

def raw(request, name):
    return HttpResponse(open(os.path.join('/srv', name)).read())

def seg(request, name):
    return HttpResponse(open(os.path.join('/srv', name)).read())
"""


def test_django_str_and_segment_groups_cannot_traverse_as_a_file_name(tmp_path: Path) -> None:
    files = {"site/__init__.py": "", "site/urls.py": DJANGO_URLS, "site/views.py": DJANGO_VIEWS}
    flows = _flows(write(tmp_path, files))
    assert {line for line, rule in flows if rule == "sec.path-traversal"} == {8}  # only <path:name>


META = """from django.http import HttpResponse

def view(request):
    request.session['csrf'] = request.META['CSRF_COOKIE']
    request.session['ip'] = request.META.get('REMOTE_ADDR')
    request.session['who'] = request.META['HTTP_X_USER']
    return HttpResponse('ok')
"""


def test_server_set_meta_keys_are_not_client_input(tmp_path: Path) -> None:
    flows = _flows(write(tmp_path, {"views.py": META}))
    assert {line for line, rule in flows if rule == "sec.trust-boundary"} == {6}  # the client's header
    assert flows[(6, "sec.trust-boundary")] == "confirmed"


PASSED_RENDERER = """from flask import Flask, request, render_template
app = Flask(__name__)

def render(request, render_template):
    return render_template('page.html', query=request.args.get('q'))

def echo(request):
    return '<p>' + request.args.get('q') + '</p>'

@app.route('/d')
def d():
    return render(request=request, render_template=render_template)

@app.route('/e')
def e():
    return echo(request)
"""


def test_a_function_passed_in_as_a_parameter_is_not_a_value_preserving_step(tmp_path: Path) -> None:
    flows = _flows(write(tmp_path, {"app.py": PASSED_RENDERER}))
    assert {line for line, rule in flows if rule == "sec.xss"} == {16}  # the helper that builds HTML
    assert flows[(16, "sec.xss")] == "confirmed"


SERVER_MADE = """
import hashlib, tempfile

@app.route('/up', methods=['POST'])
def up():
    upload = request.files['f']
    fd, tmp = tempfile.mkstemp(suffix=upload.filename)
    open(tmp, 'wb').write(upload.read())
    key = hashlib.sha256(request.args['k'].encode()).hexdigest()
    open(os.path.join('/srv/cache', key)).read()
    open(os.path.join(tempfile.gettempdir(), upload.filename), 'wb')
    open(tempfile.mkstemp(dir=request.args['d'])[1], 'wb')
    return 'ok'
"""


def test_server_made_names_are_not_traversal(tmp_path: Path) -> None:
    flows = _flows(write(tmp_path, _app(SERVER_MADE)))
    paths = {line: origin for (line, rule), origin in flows.items() if rule == "sec.path-traversal"}
    assert paths == {14: "confirmed", 15: "confirmed"}  # the upload's own name; a dir from the input


ROUTED_URLS = """from django.urls import path
from . import views
urlpatterns = [path('t/<path:slug>/', views.show)]
"""

ROUTED_VIEWS = """from django.shortcuts import redirect

def show(request, slug):
    return redirect(slug)

def merge(request, chosen_ticket):
    return redirect(chosen_ticket)

def merge_view(request):
    ticket = Ticket.objects.get(id=request.POST['id'])
    return merge(request, ticket)
"""


def test_a_views_module_helper_no_url_pattern_names_is_not_a_view(tmp_path: Path) -> None:
    files = {"site/__init__.py": "", "site/urls.py": ROUTED_URLS, "site/views.py": ROUTED_VIEWS}
    flows = _flows(write(tmp_path, files))
    assert {line for line, rule in flows if rule == "sec.open-redirect"} == {4}  # the routed view
    assert flows[(4, "sec.open-redirect")] == "confirmed"


SAME_PATH = """from urllib.parse import urljoin
from django.conf import settings
from django.shortcuts import redirect

def page(request):
    return redirect(request.get_full_path().replace('/lists/', '/list/'))

def other(request):
    return redirect(urljoin(settings.SITE_URL, request.get_full_path()))

def go(request):
    return redirect(request.GET['next'])
"""


def test_a_redirect_back_to_the_routed_full_path_stays_on_the_site(tmp_path: Path) -> None:
    flows = _flows(write(tmp_path, {"views.py": SAME_PATH}))
    redirects = {line: origin for (line, rule), origin in flows.items() if rule == "sec.open-redirect"}
    assert redirects == {9: "confirmed", 12: "confirmed"}  # joined onto another base; ?next=


SERIALIZER = """
@app.route('/z', methods=['POST'])
def z():
    serializer = api.get_serializer(data=request.json)
    return open(os.path.join('/srv', serializer.validated_data['name'])).read()
"""


def test_a_getter_handed_the_input_as_data_still_carries_it(tmp_path: Path) -> None:
    flows = _flows(write(tmp_path, _app(SERIALIZER)))
    assert flows[(8, "sec.path-traversal")] == "confirmed"
