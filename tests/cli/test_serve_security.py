"""`hipcoach serve` as a person starts it: on loopback, over https, and on the network.

Each test runs the real command in a subprocess on a free port and talks to it
over real sockets: what it prints, what it answers, and who it answers.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Served:
    def __init__(self, process: subprocess.Popen[str], port: int, output: list[str]) -> None:
        self.process, self.port, self.output = process, port, output

    @property
    def printed(self) -> str:
        return "".join(self.output)


def start(tmp_path: Path, *args: str, scheme: str = "http", verify: Any = True) -> Served:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPCOACH_")}
    env["HIPCOACH_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONUNBUFFERED"] = "1"
    command = [sys.executable, "-m", "hipcoach", "serve", "--port", str(port), *args]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            reader.join(timeout=5)
            raise AssertionError(f"serve exited: {''.join(output)}")
        try:
            httpx.get(f"{scheme}://127.0.0.1:{port}/static/css/app.css", verify=verify, timeout=1)
        except httpx.HTTPError:
            time.sleep(0.1)
            continue
        time.sleep(0.2)  # what it printed before it listened has reached the reader
        return Served(process, port, output)
    process.kill()
    raise AssertionError(f"serve did not start: {''.join(output)}")


@pytest.fixture
def stop_after() -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for served in started:
        served.process.send_signal(signal.SIGINT)
        try:
            served.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait()
        if served.process.stdout:
            served.process.stdout.close()


def test_on_loopback_it_needs_no_pairing_and_refuses_other_names(
    tmp_path: Path, stop_after: list[Served]
) -> None:
    served = start(tmp_path, "--host", "127.0.0.1")
    stop_after.append(served)
    assert f"hipcoach is at http://127.0.0.1:{served.port}/" in served.printed
    assert "pair" not in served.printed
    base = f"http://127.0.0.1:{served.port}"
    assert httpx.get(f"{base}/").status_code == 200
    rebound = httpx.get(f"{base}/api/v1/export", headers={"Host": f"rebind.example:{served.port}"})
    assert rebound.status_code == 400
    assert "records" not in rebound.text


def test_over_https_with_a_certificate(tmp_path: Path, stop_after: list[Served]) -> None:
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    cert, key, ca = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    served = start(
        tmp_path,
        "--host",
        "127.0.0.1",
        "--tls-cert",
        str(cert),
        "--tls-key",
        str(key),
        scheme="https",
        verify=ssl.create_default_context(cafile=str(ca)),
    )
    stop_after.append(served)
    assert f"https://127.0.0.1:{served.port}/" in served.printed
    trusted = ssl.create_default_context(cafile=str(ca))
    page = httpx.get(f"https://127.0.0.1:{served.port}/plan", verify=trusted)
    assert page.status_code == 200
    assert "Secure" in page.headers["set-cookie"]


def test_half_a_certificate_is_refused(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("not used")
    done = subprocess.run(
        [sys.executable, "-m", "hipcoach", "serve", "--tls-cert", str(cert)],
        capture_output=True,
        text=True,
        env={**os.environ, "HIPCOACH_DATA_DIR": str(tmp_path / "data")},
        timeout=60,
    )
    assert done.returncode == 1
    assert "--tls-cert and --tls-key go together" in done.stderr


def test_on_the_network_it_prints_a_pairing_link_that_pairs_a_phone(
    tmp_path: Path, stop_after: list[Served]
) -> None:
    served = start(tmp_path, "--host", "0.0.0.0")
    stop_after.append(served)
    printed = served.printed
    assert "Every device must pair" in printed
    assert "Warning: without --tls-cert/--tls-key" in printed
    assert "never forward this port to the internet" in printed
    assert re.search(r"pairing code: [2-9A-Z]{5}-[2-9A-Z]{5}", printed)
    assert "\u2580" in printed or "\u2584" in printed or "\u2588" in printed  # the QR code
    link = re.search(r"https?://\S+/pair\?code=([2-9A-Z]{10})", printed)
    assert link, printed
    base = f"http://127.0.0.1:{served.port}"
    with httpx.Client(base_url=base) as phone:
        assert phone.get("/", headers={"Accept": "text/html"}).status_code == 401
        assert phone.get("/api/v1/today").status_code == 401
        form = phone.get(f"/pair?code={link.group(1)}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        paired = phone.post(
            "/pair", data={"code": link.group(1), "name": "phone", "csrf_token": token.group(1)}
        )
        assert paired.status_code == 303
        assert phone.get("/").status_code == 200
        assert phone.get("/api/v1/today").status_code == 200
    with httpx.Client(base_url=base) as stranger:
        again = stranger.get(f"/pair?code={link.group(1)}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', again.text)
        assert token
        refused = stranger.post(
            "/pair", data={"code": link.group(1), "name": "x", "csrf_token": token.group(1)}
        )
        assert refused.status_code == 422
        assert stranger.get("/api/v1/today").status_code == 401
