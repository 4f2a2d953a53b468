"""Grade the site's HTTP security with the MDN HTTP Observatory, run locally, over HTTPS.

    .venv/bin/python bench/observatory.py [--keep]

Run as root (it binds ports 80 and 443 on a loopback address and adds one line to /etc/hosts,
removed at the end), after `make install` (the viewer's files must be built). It needs
openssl, npm and nginx; it installs Debian's nginx with apt-get when nginx is missing.

1. Makes a throwaway test CA and a certificate for ``exhibit.test`` from it (openssl).
2. Installs the scanner from bench/observatory/package-lock.json with ``--ignore-scripts`` (its
   install script downloads data) and writes the two files that script would have: an empty HSTS
   preload list, and the CA bundle the scanner trusts (the system's plus the test CA).
3. Makes ``exhibit.test`` resolve to 127.0.80.80 (the scanner always asks ports 80 and 443).
4. Runs the site as production does (DEBUG off, gunicorn with deploy/gunicorn.conf.py) on a
   scratch SQLite database with the demo exhibit loaded and static files collected, and scans it
   twice:
   a. behind a minimal TLS proxy that adds no header at all: the grade is the app's own;
   b. behind deploy/nginx/exhibit.conf (its paths pointed at the scratch folder; `nginx -t`
      first), and checks what nginx itself serves: IIIF tiles and a downloadable original by
      X-Accel-Redirect (the internal locations refusing direct requests), static files and
      media.
5. Prints the grade, the score and every test's result; exits non-zero unless both scans are
   A+ with at least 120 points.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNER_DIR = ROOT / "bench" / "observatory"
SCANNER_PACKAGE = SCANNER_DIR / "node_modules" / "@mdn" / "mdn-http-observatory"
HOST = "exhibit.test"  # .test is reserved for testing (RFC 2606): never a real site
ADDRESS = "127.0.80.80"  # a loopback address of its own, so nothing else on 80/443 is in the way
HOSTS_MARK = "# added by exhibit bench/observatory.py"
TARGET_SCORE = 120
BIN = Path(sys.executable).parent


def run(*command, **kwargs):
    kwargs.setdefault("check", True)
    return subprocess.run(command, **kwargs)  # noqa: S603


def make_certificates(folder):
    """A test CA and a server certificate for HOST signed by it; returns their paths."""
    ca_key, ca_cert = folder / "ca.key", folder / "ca.pem"
    key, request, cert = folder / "host.key", folder / "host.csr", folder / "host.pem"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", ca_key, "-out", ca_cert, "-subj", "/CN=Exhibit bench test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", **quiet)  # fmt: skip
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request,
        "-subj", f"/CN={HOST}", **quiet)  # fmt: skip
    extensions = folder / "host.ext"
    extensions.write_text(
        f"subjectAltName=DNS:{HOST}\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
    )
    run("openssl", "x509", "-req", "-in", request, "-CA", ca_cert, "-CAkey", ca_key,
        "-CAcreateserial", "-days", "2", "-out", cert, "-extfile", extensions, **quiet)  # fmt: skip
    return ca_cert, cert, key


def install_scanner(ca_cert):
    if not (SCANNER_PACKAGE / "package.json").exists():
        print("Installing the scanner (npm ci --ignore-scripts) ...", flush=True)
        run("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", cwd=SCANNER_DIR,
            stdout=subprocess.DEVNULL)  # fmt: skip
    # What the skipped install script would have downloaded: the HSTS preload list (empty:
    # the test host is on no list) and the CA bundle the scanner gives Node.
    (SCANNER_PACKAGE / "conf" / "hsts-preload.json").write_text("{}\n")
    bundle = SCANNER_DIR / "node_modules" / "node_extra_ca_certs_mozilla_bundle" / "ca_bundle"
    bundle.mkdir(parents=True, exist_ok=True)
    system = Path("/etc/ssl/certs/ca-certificates.crt")
    text = system.read_text() if system.exists() else ""
    (bundle / "ca_intermediate_bundle.pem").write_text(text + "\n" + ca_cert.read_text())


def nginx_binary():
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        print("Installing nginx (apt-get) ...", flush=True)
        run("apt-get", "install", "-y", "-qq", "nginx", stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip
        found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found


def add_host_name():
    hosts = Path("/etc/hosts")
    hosts.write_text(hosts.read_text().rstrip("\n") + f"\n{ADDRESS} {HOST} {HOSTS_MARK}\n")


def remove_host_name():
    hosts = Path("/etc/hosts")
    lines = [line for line in hosts.read_text().splitlines() if HOSTS_MARK not in line]
    hosts.write_text("\n".join(lines) + "\n")  # rewritten in place: it may be a bind mount


def site_environment(work):
    srv = work / "srv"
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(work),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "SITE_URL": f"https://{HOST}",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "STATIC_ROOT": str(srv / "static"),
        "MEDIA_ROOT": str(srv / "media"),
        "PRIVATE_ROOT": str(srv / "private"),
        "TRUSTED_PROXY_COUNT": "1",
        "GUNICORN_BIND": f"unix:{work / 'gunicorn.sock'}",
        "GUNICORN_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
    }


def prepare_site(env):
    print("Preparing the site: migrate, collectstatic, load_demo ...", flush=True)
    manage = [str(BIN / "python"), "manage.py"]
    quiet = {"cwd": ROOT, "env": env, "stdout": subprocess.DEVNULL}
    run(*manage, "migrate", "--noinput", **quiet)
    run(*manage, "collectstatic", "--noinput", **quiet)
    run(*manage, "load_demo", **quiet)
    # A published, processed image, and one whose original visitors may download.
    slug, download = run(
        *manage, "shell", "-c",
        "from exhibit.models import Image; images = Image.objects.published()"
        ".filter(processing_state='ready'); print(images.first().slug,"
        " next(i.slug for i in images if i.downloadable))",
        cwd=ROOT, env=env, capture_output=True, text=True,
    ).stdout.split()[-2:]  # fmt: skip
    return slug, download


def start_gunicorn(env, work, accel_redirect):
    socket = work / "gunicorn.sock"
    socket.unlink(missing_ok=True)
    process = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "config.wsgi"],
        cwd=ROOT,
        env={**env, "IIIF_ACCEL_REDIRECT": accel_redirect,
             "DOWNLOAD_ACCEL_REDIRECT": "/_originals/" if accel_redirect else ""},
        stdout=subprocess.DEVNULL, stderr=open(work / "gunicorn.log", "a"),  # noqa: SIM115
    )  # fmt: skip
    for _ in range(100):
        if socket.exists():
            return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not start: see {work / 'gunicorn.log'}")


NGINX_MAIN = """user root;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
{servers}
}}
"""

# Scenario a: a TLS proxy and nothing more. It says which scheme the client used, as any proxy
# must for Django to redirect to HTTPS itself, and adds no header of its own.
MINIMAL_PROXY = """
    server {{
        listen {address}:80;
        listen {address}:443 ssl;
        server_name {host};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://unix:{socket};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
"""


def deploy_site_config(work, cert, key):
    """deploy/nginx/exhibit.conf with its host, certificate, paths and addresses made local."""
    text = (ROOT / "deploy" / "nginx" / "exhibit.conf").read_text()
    text = text.replace(
        "/etc/letsencrypt/live/exhibit.example.org/fullchain.pem", str(cert)
    ).replace("/etc/letsencrypt/live/exhibit.example.org/privkey.pem", str(key))
    text = text.replace("exhibit.example.org", HOST)
    text = text.replace("unix:/run/exhibit/gunicorn.sock", f"unix:{work / 'gunicorn.sock'}")
    text = text.replace("/srv/exhibit", str(work / "srv"))
    text = text.replace("/var/www/letsencrypt", str(work / "acme"))
    text = re.sub(r"listen \[::\]:\d+[^;]*;\n", "", text)
    text = re.sub(r"listen (80|443)", rf"listen {ADDRESS}:\1", text)
    return text


def start_nginx(nginx, work, servers):
    for folder in ("body", "proxy"):
        (work / folder).mkdir(exist_ok=True)
    config = work / "nginx.conf"
    config.write_text(NGINX_MAIN.format(work=work, servers=servers))
    test = run(nginx, "-t", "-c", str(config), capture_output=True, text=True, check=False)
    print("  nginx -t:", " / ".join(test.stderr.strip().splitlines()))
    if test.returncode != 0:
        raise RuntimeError("nginx -t failed")
    process = subprocess.Popen(  # noqa: S603
        [nginx, "-c", str(config), "-g", "daemon off;"], stderr=subprocess.DEVNULL
    )
    time.sleep(0.5)
    return process


def stop(process):
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def scan():
    wrapper = SCANNER_PACKAGE / "bin" / "wrapper.js"
    result = run("node", str(wrapper), HOST, capture_output=True, text=True, check=False)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise RuntimeError(f"scanner said: {result.stdout}{result.stderr}") from error


def report(title, result):
    print(f"\n== {title}")
    if "error" in result:
        print("  scan failed:", result["error"])
        return False
    summary = result["scan"]
    print(
        f"  grade {summary['grade']}, score {summary['score']} "
        f"({summary['testsPassed']}/{summary['testsQuantity']} tests passed)"
    )
    for name, test in result["tests"].items():
        mark = "pass" if test["pass"] else "FAIL"
        print(f"  {mark}  {name:32} {test['scoreModifier']:+4d}  {test['result']}")
    return summary["grade"] == "A+" and summary["score"] >= TARGET_SCORE


def fetch(path, ca_cert):
    context = ssl.create_default_context(cafile=str(ca_cert))
    connection = http.client.HTTPSConnection(HOST, 443, context=context, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def check_files_nginx_serves(work, slug, download, ca_cert):
    """What deploy/nginx serves itself: tiles and originals (after Django), static files,
    media."""
    manifest = json.loads((work / "srv" / "static" / "staticfiles.json").read_text())["paths"]
    media = next(p for p in (work / "srv" / "media").rglob("*.jpg"))
    paths = {
        "IIIF tile (X-Accel-Redirect)": f"/iiif/images/{slug}/full/max/0/default.jpg",
        "IIIF info.json": f"/iiif/images/{slug}/info.json",
        "static, hashed name": "/static/" + manifest["exhibit/css/site.css"],
        "media rendition": "/media/" + str(media.relative_to(work / "srv" / "media")),
        "private tile by path": "/_iiif/" + "x/" * 3 + "default.jpg",
        "original download (X-Accel-Redirect)": f"/images/{download}/original",
        "private original by path": "/_originals/x.tif",
    }
    shown = (
        "Content-Type", "Cache-Control", "Access-Control-Allow-Origin",
        "Cross-Origin-Resource-Policy", "X-Content-Type-Options", "Strict-Transport-Security",
        "Content-Disposition",
    )  # fmt: skip
    print("\n== What nginx serves itself (deploy/nginx/exhibit.conf)")
    good = True
    for name, path in paths.items():
        response = fetch(path, ca_cert)
        print(f"  {name}: {response.status} {path}")
        for header in shown:
            if response.getheader(header):
                print(f"      {header}: {response.getheader(header)}")
        if name.startswith("private "):
            good &= response.status == 404
        elif name.startswith("original download"):
            sent_by_nginx = response.getheader("Content-Security-Policy", "").endswith("sandbox")
            attachment = response.getheader("Content-Disposition", "").startswith("attachment")
            print(f"      sent by nginx from /_originals/: {sent_by_nginx}")
            good &= response.status == 200 and sent_by_nginx and attachment
        elif name.startswith("IIIF tile"):
            # Sent by nginx from the internal location, not streamed by Django.
            sent_by_nginx = response.getheader("Content-Security-Policy", "").endswith("sandbox")
            print(f"      sent by nginx from /_iiif/: {sent_by_nginx}")
            good &= response.status == 200 and sent_by_nginx
        else:
            good &= response.status == 200 and response.getheader("X-Content-Type-Options") == (
                "nosniff"
            )
    return good


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    options = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("Run as root: the scan needs ports 80 and 443 and an /etc/hosts entry.")
    if not (ROOT / "exhibit" / "static" / "vendor" / "openseadragon").exists():
        sys.exit("Run `make install` first: the deep-zoom viewer's files are not built.")

    work = Path(tempfile.mkdtemp(prefix="exhibit-observatory-"))
    nginx = nginx_binary()
    ca_cert, cert, key = make_certificates(work)
    install_scanner(ca_cert)
    env = site_environment(work)
    slug, download = prepare_site(env)
    add_host_name()
    gunicorn = proxy = None
    outcomes = []
    try:
        print("\nScan a: the app's own headers, behind a TLS proxy that adds none", flush=True)
        gunicorn = start_gunicorn(env, work, accel_redirect="")
        servers = MINIMAL_PROXY.format(
            address=ADDRESS, host=HOST, cert=cert, key=key, socket=work / "gunicorn.sock"
        )
        proxy = start_nginx(nginx, work, servers)
        outcomes.append(report(f"https://{HOST}/ behind a bare TLS proxy", scan()))
        stop(proxy)
        stop(gunicorn)

        print("\nScan b: through deploy/nginx/exhibit.conf", flush=True)
        gunicorn = start_gunicorn(env, work, accel_redirect="/_iiif/")
        (work / "acme").mkdir(exist_ok=True)
        proxy = start_nginx(nginx, work, deploy_site_config(work, cert, key))
        outcomes.append(report(f"https://{HOST}/ through deploy/nginx/exhibit.conf", scan()))
        outcomes.append(check_files_nginx_serves(work, slug, download, ca_cert))
    finally:
        stop(proxy)
        stop(gunicorn)
        remove_host_name()
        if options.keep:
            print(f"\nScratch folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    verdict = "all good" if all(outcomes) else "NOT MET"
    print(f"\nTarget: A+ with at least {TARGET_SCORE} points in both scans: {verdict}")
    sys.exit(0 if all(outcomes) else 1)


if __name__ == "__main__":
    main()
