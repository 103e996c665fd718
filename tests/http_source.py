"""A real HTTP(S) server on 127.0.0.1 for the connector tests (tests/test_connectors_http.py,
tests/test_pull_cli.py, tests/test_freshness_pages.py): `Route`s by path, changed between
pulls by the test; every request counted with the Authorization header it carried."""

from __future__ import annotations

import http.server
import io
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["STT", "Mã NV", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Tình hình thực hiện"]


def workbook(rows, title="Số liệu đến ngày 28/8/2025", header=HEADER) -> bytes:
    """A task workbook made here: a title line stating the figures' date, a header, rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws.append(["TÌNH HÌNH THỰC HIỆN NHIỆM VỤ NGHỊ QUYẾT 71/NQ-CP"])
    if title:
        ws.append([title])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROWS = [
    [
        1,
        "NV-01",
        "Xây dựng Luật sửa đổi Luật Quản lý thuế",
        "Bộ Tài chính",
        "30/09/2025",
        "Đang thực hiện",
    ],
    [2, "NV-02", "Ban hành Nghị định về dữ liệu", "Bộ Công an", "31/07/2025", "Đã hoàn thành"],
    [
        3,
        "NV-03",
        "Triển khai nền tảng số",
        "Bộ Khoa học và Công nghệ",
        "31/12/2025",
        "Đang thực hiện",
    ],
]


@dataclass
class Route:
    """What a path answers: `body` with `status` and `headers`; or `hang` (no answer until the
    server stops), `endless` (a body that never ends), `redirect` (a Location)."""

    body: bytes = b""
    content_type: str = "application/octet-stream"
    status: int = 200
    headers: dict = field(default_factory=dict)
    hang: bool = False
    endless: bool = False
    redirect: str | None = None
    token: str | None = None  # the Authorization header required (else 401)


class Server:
    def __init__(self, tls: tuple[Path, Path] | None = None):
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str | None]] = []  # (path, Authorization)
        self.stopping = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Authorization")))
                route = outer.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.hang:
                    outer.stopping.wait(60)
                    return
                if route.token is not None and self.headers.get("Authorization") != route.token:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.redirect:
                    self.send_response(302)
                    self.send_header("Location", route.redirect)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.endless:
                    self.end_headers()
                    chunk = b"x" * 65536
                    try:
                        while not outer.stopping.is_set():
                            self.wfile.write(chunk)
                    except OSError:  # the client hung up: what the test wants
                        pass
                    return
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.scheme = "https" if tls else "http"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by the openssl command line."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def sources_file(folder: Path, *tables: dict) -> Path:
    """A sources file of these [[source]] tables (values: str, int, float)."""
    lines = []
    for table in tables:
        lines.append("[[source]]")
        for key, value in table.items():
            shown = f'"{value}"' if isinstance(value, str) else repr(value)
            lines.append(f"{key} = {shown}")
        lines.append("")
    path = folder / "sources.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
