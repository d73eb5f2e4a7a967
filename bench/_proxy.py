"""A round-robin reverse proxy: one address in front of several `optunagui serve` processes,
each request sent to the next process in turn (nginx's default for an upstream group), so two
requests of one browser, even on one kept-alive connection, meet different processes.

Bodies are read whole both ways (no streaming); hop-by-hop headers are dropped; the client's
Host is passed on, so redirects name the proxy. Each answer says which process gave it in
``X-Upstream`` (its index in the list), and ``answered`` counts them. An upstream that cannot
be reached is a 502.

    .venv/bin/python -m bench._proxy --port 8000 http://127.0.0.1:8051 http://127.0.0.1:8052
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import urlsplit

__all__ = ["UPSTREAM_HEADER", "RoundRobinProxy"]

UPSTREAM_HEADER = "X-Upstream"
# Hop-by-hop headers, and the length, which the proxy sets itself.
NOT_PASSED_ON = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "te", "trailers", "transfer-encoding", "upgrade", "content-length"})


class _Pool:
    """Idle kept-alive connections to one upstream, shared by the proxy's threads."""

    def __init__(self, url: str, timeout_s: float) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"upstream: expected http://HOST:PORT, not {url!r}")
        self.host, self.port, self.timeout_s = parts.hostname, parts.port, timeout_s
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def take(self) -> tuple[http.client.HTTPConnection, bool]:
        """A connection, and whether it was kept from an earlier request."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s), False

    def give_back(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._idle.append(connection)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class RoundRobinProxy:
    """Listens on host:port (0: any free port) and forwards to `upstreams` in turn.

    Args:
        upstreams: base URLs, e.g. ``http://127.0.0.1:8051``.
        timeout_s: how long one upstream answer may take.
    """

    def __init__(self, upstreams: list[str], *, host: str = "127.0.0.1", port: int = 0,
                 timeout_s: float = 60.0) -> None:
        if not upstreams:
            raise ValueError("upstreams: give at least one http://HOST:PORT")
        self.pools = [_Pool(url, timeout_s) for url in upstreams]
        self.answered = [0] * len(upstreams)
        self._turns = itertools.count()
        self._count_lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), _handler(self), bind_and_activate=False)
        self.server.daemon_threads = True
        self.server.request_queue_size = 1024  # many viewers connect at once
        self.server.allow_reuse_address = True
        self.server.server_bind()
        self.server.server_activate()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def next_upstream(self) -> int:
        with self._count_lock:
            return next(self._turns) % len(self.pools)

    def count(self, index: int) -> None:
        with self._count_lock:
            self.answered[index] += 1

    def start(self) -> Self:
        self._thread = threading.Thread(target=self.server.serve_forever, name="bench-proxy",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.close_upstreams()

    def close_upstreams(self) -> None:
        for pool in self.pools:
            pool.close()


def _forward(proxy: RoundRobinProxy, index: int, method: str, path: str,
             headers: list[tuple[str, str]], body: bytes | None
             ) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request to upstream `index`; a kept connection that the upstream closed meanwhile
    is replaced once."""
    pool = proxy.pools[index]
    while True:
        connection, kept = pool.take()
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders(body)
            answer = connection.getresponse()
            content = answer.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            connection.close()
            if kept:
                continue
            raise
        except BaseException:
            connection.close()
            raise
        if answer.will_close:
            connection.close()
        else:
            pool.give_back(connection)
        return answer.status, answer.getheaders(), content


def _handler(proxy: RoundRobinProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _proxy(self) -> None:
            length = self.headers.get("Content-Length")
            if self.headers.get("Transfer-Encoding"):
                self.send_error(411, "send a Content-Length")
                return
            body = self.rfile.read(int(length)) if length else None
            headers = [(k, v) for k, v in self.headers.items()
                       if k.lower() not in NOT_PASSED_ON and k.lower() != "x-forwarded-for"]
            if body is not None:
                headers.append(("Content-Length", str(len(body))))
            # As nginx's $proxy_add_x_forwarded_for: the client's address after any given.
            forwarded = ", ".join([*self.headers.get_all("X-Forwarded-For", []),
                                   self.client_address[0]])
            headers.append(("X-Forwarded-For", forwarded))
            index = proxy.next_upstream()
            try:
                status, answer_headers, content = _forward(proxy, index, self.command,
                                                           self.path, headers, body)
            except OSError as error:
                self.send_error(502, f"upstream {index}: {error}")
                return
            proxy.count(index)
            self.send_response_only(status)
            for name, value in answer_headers:
                if name.lower() not in NOT_PASSED_ON:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.send_header(UPSTREAM_HEADER, str(index))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _proxy  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("upstreams", nargs="+", help="http://HOST:PORT of each server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per answer")
    args = parser.parse_args(argv)
    try:
        proxy = RoundRobinProxy(args.upstreams, host=args.host, port=args.port,
                                timeout_s=args.timeout)
    except ValueError as error:
        parser.error(str(error))
    print(f"proxy on {proxy.url} for {', '.join(args.upstreams)}", flush=True)
    try:
        proxy.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.server.server_close()
        proxy.close_upstreams()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
