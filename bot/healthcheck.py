"""`python -m bot.healthcheck /healthz`: the container's health check, asking the running bot on this host.

It follows the settings the bot uses (`WEB_PORT`, or `WEB_OPS_PORT` when the operator's routes have their
own port, and `WEB_OPS_TOKEN`), so a protected or moved `/healthz` keeps the container healthy.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from bot.settings import WebSettings, read_section

TIMEOUT = 4.0


def url_and_headers(settings: WebSettings, path: str) -> tuple[str, dict[str, str]]:
    """Return where the running bot answers `path` on this host, and the headers it wants."""
    port = settings.ops_port if settings.ops_port is not None else settings.port
    headers = {"Authorization": f"Bearer {settings.ops_token.get_secret_value()}"} if settings.ops_token else {}
    return f"http://127.0.0.1:{port}{path}", headers


def main(argv: list[str] | None = None) -> int:
    """Return 0 when the bot answers 200, else 1 (printing what it said)."""
    path = (argv if argv is not None else sys.argv[1:] or ["/healthz"])[0]
    settings, problems = read_section(WebSettings)
    if settings is None:
        print("; ".join(problems), file=sys.stderr)
        return 1
    url, headers = url_and_headers(settings, path)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT) as response:  # noqa: S310 - our own loopback URL
            print(response.read().decode(errors="replace"))
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:
        print(exc.read().decode(errors="replace"), file=sys.stderr)
    except OSError as exc:
        print(f"{url}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
