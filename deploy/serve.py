"""`make serve`: Briefing in its production shape on one machine, in one command.

    python deploy/serve.py [--host HOST] [--port PORT] [--run-dir DIR] [--web-only] [--no-setup]

nginx listens on HOST:PORT (default 127.0.0.1:8000) and serves /static/ itself;
pages go to gunicorn (WSGI, WEB_CONCURRENCY sync workers, default 2), the live
event streams (/articles/<slug>/events/) to uvicorn (ASGI, EVENTS_WORKERS
processes, default 1); a Celery worker and beat run beside them. honcho runs
them all as one group with one interleaved log (deploy/Procfile); Ctrl-C stops
every one of them. --web-only runs nginx, gunicorn and uvicorn alone (one of
several web machines sharing a database, a Redis and their workers).

Needs DATABASE_URL, REDIS_URL and SECRET_KEY. Before starting it runs migrate,
collectstatic and setup_site (--no-setup skips them). The processes run with
DEBUG=0 and RATELIMIT_IP_META_KEY=HTTP_X_REAL_IP (nginx sends the reader's
address). SECURE_HTTPS defaults to 0, as this stack speaks plain HTTP: set
SECURE_HTTPS=1 when a TLS proxy is in front. ALLOWED_HOSTS defaults to
127.0.0.1, localhost and HOST. The other settings come from the environment
as usual (DJANGO_SETTINGS_MODULE included).

nginx keeps the newcomers' copy of each article page itself, for
ARTICLE_PAGE_CACHE_SECONDS (0 turns it off), and puts each reader's own CSRF
secret in it (articles/page_cache.py).

nginx's limits per reader address (REQUESTS_PER_ADDRESS, default 64 requests
in progress; STREAMS_PER_ADDRESS, default 32 open event streams) and the load
balancers whose X-Forwarded-For it believes (TRUSTED_PROXIES, addresses or
networks separated by commas) come from the environment too.

The run directory (default .serve/) holds nginx's rendered configuration, pid,
temporary files and the processes' unix sockets; logs go to the terminal.
"""

import argparse
import grp
import importlib.util
import ipaddress
import json
import os
import pwd
import re
import resource
import shutil
import socket
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PROCFILE = DEPLOY / "Procfile"
NGINX_TEMPLATE = DEPLOY / "nginx.conf.template"
REQUIRED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")
WEB_PROCESSES = ("nginx", "web", "events")
ALL_PROCESSES = (*WEB_PROCESSES, "worker", "beat")
# A unix socket's path must fit in sockaddr_un (108 bytes with its final NUL).
LONGEST_SOCKET_PATH = 107
# nginx's configuration takes these paths unquoted.
UNSAFE_IN_PATH = re.compile(r"[\s\"';{}$\\]")
# nginx reads a cookie as $cookie_<name>: only such names can make a page personal to it.
COOKIE_NAME = re.compile(r"^[A-Za-z0-9_]+$")
PAGE_CACHE_SETTINGS = (
    "import django, json; django.setup(); "
    "from articles.page_cache import proxy_settings; print(json.dumps(proxy_settings()))"
)


class NginxTemplate(string.Template):
    """Fills in ${NAME} (capitals) only: nginx's own $variables pass through."""

    flags = re.VERBOSE
    pattern = r"""
        \$(?:
            (?P<escaped>(?!))
          | (?P<named>(?!))
          | \{(?P<braced>[A-Z][A-Z0-9_]*)\}
          | (?P<invalid>(?!))
        )
    """


def fail(message: str):
    print(f"serve: {message}", file=sys.stderr)
    sys.exit(1)


def run(command: list, **options) -> subprocess.CompletedProcess:
    """Commands of this script's own making: no outside input reaches them."""
    return subprocess.run(command, check=False, **options)  # noqa: S603


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="serve.py",
        description="Briefing behind nginx, with gunicorn, uvicorn, Celery worker and beat.",
    )
    parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=os.environ.get("PORT") or "8000")
    parser.add_argument("--run-dir", type=Path, default=ROOT / ".serve")
    parser.add_argument(
        "--web-only",
        action="store_true",
        help="nginx, gunicorn and uvicorn only: no Celery worker or beat",
    )
    parser.add_argument(
        "--no-setup", action="store_true", help="skip migrate, collectstatic and setup_site"
    )
    return parser.parse_args(argv)


def positive_int(env, name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        fail(f"{name}={raw!r} must be a whole number of at least 1")
    return int(raw)


def trusted_proxies(env) -> list[str]:
    proxies = [item.strip() for item in env.get("TRUSTED_PROXIES", "").split(",")]
    try:
        return [str(ipaddress.ip_network(item, strict=False)) for item in proxies if item]
    except ValueError as error:
        fail(f"TRUSTED_PROXIES: {error}")


def find_nginx() -> str:
    # Debian installs it in /usr/sbin, which is not on an ordinary user's PATH.
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    found = shutil.which("nginx", path=search)
    apt_get = shutil.which("apt-get")
    if found is None and os.geteuid() == 0 and apt_get:
        print("serve: installing Debian's nginx", file=sys.stderr)
        install = [apt_get, "install", "-y", "-q", "nginx"]
        options = {
            "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
        }
        if run(install, **options).returncode != 0:
            run([apt_get, "update", "-q"], **options)
            run(install, **options)
        found = shutil.which("nginx", path=search)
    if found is None:
        fail("nginx is missing: install Debian's nginx package (apt-get install nginx)")
    return found


def mime_types_of(nginx: str) -> Path:
    """The mime.types beside the nginx binary's own default configuration."""
    version = run([nginx, "-V"], capture_output=True, text=True).stderr
    match = re.search(r"--conf-path=(\S+)", version)
    mime_types = Path(match[1]).parent / "mime.types" if match else Path("/etc/nginx/mime.types")
    if not mime_types.exists():
        fail(f"{mime_types} is missing (it comes with nginx)")
    return mime_types


def check_run_dir(run_dir: Path):
    if UNSAFE_IN_PATH.search(str(run_dir)):
        fail(f"the run directory {run_dir} must not contain spaces, quotes or ;{{}}$\\")
    if len(str(run_dir / "gunicorn.sock")) > LONGEST_SOCKET_PATH:
        fail(f"the run directory {run_dir} is too long a path for unix sockets")
    pid_file = run_dir / "nginx.pid"
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return
    fail(f"a stack is already running from {run_dir} (nginx pid {pid}); stop it first")


def check_port_free(host: str, port: int):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            fail(f"cannot listen on {host}:{port} ({error.strerror})")


def prepare_run_dir(run_dir: Path):
    (run_dir / "nginx").mkdir(parents=True, exist_ok=True)
    ignore = run_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Written by deploy/serve.py: nothing here belongs in git.\n*\n")
    for leftover in ("gunicorn.sock", "uvicorn.sock", "nginx.pid"):
        (run_dir / leftover).unlink(missing_ok=True)


def process_env(args, run_dir: Path, nginx: str) -> dict:
    env = dict(os.environ)
    wildcard = args.host in {"0.0.0.0", "::"}  # noqa: S104 - a choice the operator made
    reachable = "127.0.0.1" if wildcard else args.host
    env["DEBUG"] = "0"
    env.setdefault("SECURE_HTTPS", "0")
    hosts = ["127.0.0.1", "localhost"] + ([] if wildcard else [args.host])
    env.setdefault("ALLOWED_HOSTS", ",".join(dict.fromkeys(hosts)))
    env.setdefault("SITE_URL", f"http://{reachable}:{args.port}")
    # nginx puts the reader's address in X-Real-IP: rate limits count readers, not nginx.
    env["RATELIMIT_IP_META_KEY"] = "HTTP_X_REAL_IP"
    env["STATIC_ROOT"] = str(Path(env.get("STATIC_ROOT") or ROOT / "staticfiles").resolve())
    env["WEB_CONCURRENCY"] = str(positive_int(env, "WEB_CONCURRENCY", 2))
    env["EVENTS_WORKERS"] = str(positive_int(env, "EVENTS_WORKERS", 1))
    env.setdefault("PYTHONUNBUFFERED", "1")  # lines reach the log as they are written
    env["SERVE_PYTHON"] = sys.executable
    env["SERVE_NGINX"] = nginx
    env["SERVE_RUN_DIR"] = str(run_dir)
    return env


def set_up(env):
    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput", "--verbosity", "0"],
        ["setup_site"],
    ):
        print(f"serve: manage.py {' '.join(command)}", flush=True)
        done = run([sys.executable, "manage.py", *command], cwd=ROOT, env=env)
        if done.returncode != 0:
            fail(f"manage.py {command[0]} failed (exit {done.returncode})")


def open_files_limit() -> int:
    """Raise this process's (and so its children's) limit on open files to the hard one:
    every reader's connection is a file in nginx, and an open stream one in uvicorn too."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    return soft


def user_directive(static_root: Path, run_dir: Path) -> str:
    """As root, nginx's workers would run as `nobody`, who may not reach the static
    files or the sockets (a private temporary folder, say): they run as their owner."""
    if os.geteuid() != 0:
        return ""
    owner = (static_root if static_root.exists() else run_dir).stat()
    try:
        return f"user {pwd.getpwuid(owner.st_uid).pw_name} {grp.getgrgid(owner.st_gid).gr_name};"
    except KeyError:  # no name for that account: nginx's default it is
        return ""


def page_cache_of(env) -> dict:
    """The app's settings for the newcomers' copy, as nginx.conf.template takes them."""
    done = run(
        [sys.executable, "-c", PAGE_CACHE_SETTINGS],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "briefing_site.settings", **env},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no output"]
        fail(f"cannot read the app's settings: {lines[-1]}")
    page = json.loads(done.stdout.strip().splitlines()[-1])
    cookies = [page["csrf_cookie_name"], *page["personal_cookies"]]
    seconds = page["seconds"] if all(COOKIE_NAME.match(name) for name in cookies) else 0
    personal = "".join(f":$cookie_{name}" for name in page["personal_cookies"])
    return {
        # Off, no request is a newcomer's: the app answers each one, as without nginx.
        "PAGE_CACHE": "pages" if seconds > 0 else "off",
        "PAGE_CACHE_SECONDS": max(seconds, 1),
        "NEWCOMER_PATTERN": "~^(GET|HEAD):*$" if seconds > 0 else "~(?!)",
        "NEWCOMER_KEY": f"$request_method:$args:$http_hx_request{personal}",
        "CSRF_COOKIE": f"$cookie_{page['csrf_cookie_name']}",
        "CSRF_SET_COOKIE": page["csrf_set_cookie"],
        "STAND_IN": page["stand_in"],
        "SHARED_COPY_HEADER": page["header"],
    }


def render_nginx_conf(args, env, run_dir: Path, nginx: str) -> Path:
    static_root = Path(env["STATIC_ROOT"])
    if UNSAFE_IN_PATH.search(str(static_root)):
        fail(f"STATIC_ROOT {static_root} must not contain spaces, quotes or ;{{}}$\\")
    proxies = trusted_proxies(env)
    files = open_files_limit()
    listen = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    text = NginxTemplate(NGINX_TEMPLATE.read_text()).substitute(
        USER_DIRECTIVE=user_directive(static_root, run_dir),
        RUN_DIR=run_dir,
        # Each proxied request holds two files: the reader's and the app's.
        WORKER_CONNECTIONS=max(512, min(8192, files // 2)),
        MIME_TYPES=mime_types_of(nginx),
        LISTEN=listen,
        STATIC_ROOT=static_root,
        REQUESTS_PER_ADDRESS=positive_int(env, "REQUESTS_PER_ADDRESS", 64),
        STREAMS_PER_ADDRESS=positive_int(env, "STREAMS_PER_ADDRESS", 32),
        REAL_IP_FROM="".join(f"    set_real_ip_from {proxy};\n" for proxy in proxies),
        TRUSTED_PROXY_ENTRIES="".join(f"        {proxy} 1;\n" for proxy in proxies),
        **page_cache_of(env),
    )
    conf = run_dir / "nginx.conf"
    conf.write_text(text)
    checked = run(
        [nginx, "-t", "-q", "-p", str(run_dir), "-c", str(conf), "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    if checked.returncode != 0:
        fail(f"nginx rejects {conf}: {checked.stderr.strip()}")
    return conf


def main(argv=None):
    args = parse_args(argv)
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        fail(
            f"{', '.join(missing)} {verb} not set "
            "(the production stack needs PostgreSQL, Redis and a secret key)"
        )
    modules = ("honcho", "gunicorn", "uvicorn", "celery")
    absent = [module for module in modules if importlib.util.find_spec(module) is None]
    if absent:
        fail(f"{sys.executable} lacks {', '.join(absent)}: run it with the project's .venv")
    nginx = find_nginx()
    run_dir = args.run_dir.resolve()
    check_run_dir(run_dir)
    check_port_free(args.host, args.port)
    env = process_env(args, run_dir, nginx)
    if not args.no_setup:
        set_up(env)
    prepare_run_dir(run_dir)
    render_nginx_conf(args, env, run_dir, nginx)

    processes = WEB_PROCESSES if args.web_only else ALL_PROCESSES
    print(f"serve: http://{args.host}:{args.port}/ ({', '.join(processes)}; Ctrl-C stops them)")
    sys.stdout.flush()
    os.chdir(ROOT)
    # honcho becomes this process. A terminal's Ctrl-C reaches it alone (its
    # processes run in sessions of their own): it sends each one SIGTERM and
    # kills what is left 5 s after the first has stopped. It also reads a .env
    # in its app root: the run directory has none, so the processes get exactly
    # the environment checked here.
    os.execve(  # noqa: S606 - the command line is this script's own
        sys.executable,
        [sys.executable, "-m", "honcho", "start", "--procfile", str(PROCFILE),
         "--app-root", str(run_dir), *processes],
        env,
    )  # fmt: skip


if __name__ == "__main__":
    main()
