"""The READMEs' urllib3 examples run as written, against a local lucidtls
HTTPS server instead of example.com: only the URL is replaced, and
SSL_CERT_FILE makes the test CA the "operating system's trust store" that
create_default_context() loads. So a new user following README.md's Python
section (or python/README.md) gets a page."""

from __future__ import annotations

import http.server
import os
import re
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import lucidtls

REPO = Path(__file__).resolve().parents[2]


def code_block(readme: Path, heading: str) -> str:
    """The first code block (fenced, or indented by four spaces) of the
    section under this heading."""
    text = readme.read_text()
    m = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#+ |\Z)", text, re.S | re.M)
    assert m, f"no section {heading!r} in {readme}"
    section = m.group(1)
    fenced = re.search(r"```python\n(.*?)```", section, re.S)
    if fenced:
        return fenced.group(1)
    blocks = re.findall(r"((?:^    .*\n|^\n)+)", section, re.M)
    code = [b for b in blocks if "urllib3" in b and "import" in b]
    assert code, f"no code block in section {heading!r}"
    return "\n".join(line[4:] for line in code[0].splitlines())


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = b"hello from lucidtls, as the README promises"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def https_url(pki):
    ctx = lucidtls.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield f"https://localhost:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    t.join(5)


@pytest.mark.parametrize("readme,heading", [("README.md", "Python"),
                                            ("python/README.md", "Fetch a page with urllib3")])
def test_readme_urllib3_example_fetches_a_page(pki, https_url, readme, heading):
    pytest.importorskip("urllib3")
    code = code_block(REPO / readme, heading)
    assert "https://example.com/" in code and "create_default_context()" in code
    code = code.replace("https://example.com/", https_url)
    env = {k: v for k, v in os.environ.items() if k != "SSL_CERT_DIR"}
    env["SSL_CERT_FILE"] = str(pki.ca_file)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("200 ") and "hello from lucidtls" in r.stdout, r.stdout
