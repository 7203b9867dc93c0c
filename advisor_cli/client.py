"""A small HTTP client for the Advisor Reports API."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests

DEFAULT_URL = "http://localhost:7071"
RATE_LIMIT_RETRIES = 5


class ApiFailure(Exception):
    """The server refused or failed; the message is the server's, with its request id."""

    def __init__(self, status: int, code: str, message: str, request_id: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.request_id = status, code, message, request_id

    def __str__(self) -> str:
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"{self.message} [{self.status} {self.code}]{rid}"


def find_local_key(start: Path | None = None) -> str | None:
    """The key `make run` generated: looked for above the current folder, then in the project
    this command was installed from."""
    here = (start or Path.cwd()).resolve()
    project = Path(__file__).resolve().parent.parent
    for folder in (here, *here.parents, project):
        keys = folder / ".azurite" / "devhost-keys.json"
        if keys.is_file():
            return json.loads(keys.read_text()).get("function")
    return None


@dataclass
class Api:
    url: str
    key: str | None
    timeout: float = 60.0

    @classmethod
    def from_settings(cls, url: str | None, key: str | None) -> Api:
        return cls((url or os.environ.get("ADVISOR_REPORTS_URL") or DEFAULT_URL).rstrip("/"),
                   key or os.environ.get("ADVISOR_REPORTS_KEY") or find_local_key())

    def _headers(self) -> dict[str, str]:
        return {"x-functions-key": self.key} if self.key else {}

    def request(self, method: str, path_or_url: str, **kwargs) -> requests.Response:
        """The response; over the server's rate limit (429), wait as it says and try again,
        saying so on standard error."""
        url = path_or_url if path_or_url.startswith("http") else f"{self.url}/api/{path_or_url}"
        # A URL the server handed out with its own key (the Durable status URLs carry the
        # durabletask_extension system key) is followed as given: our function key in the
        # header would win over it and be refused, locally as on Azure.
        own_key = "code" in parse_qs(urlsplit(url).query)
        headers = {**({} if own_key else self._headers()), **kwargs.pop("headers", {})}
        timeout = kwargs.pop("timeout", self.timeout)
        for attempt in range(1, RATE_LIMIT_RETRIES + 2):
            for item in (kwargs.get("files") or {}).values():  # a retry sends the file again
                item[1].seek(0)
            response = requests.request(method, url, headers=headers, timeout=timeout, **kwargs)
            if response.status_code != 429 or attempt > RATE_LIMIT_RETRIES:
                break
            wait = min(int(response.headers.get("Retry-After", "5") or 5), 120)
            print(f"rate limited by the server: waiting {wait} s before trying again "
                  f"({attempt}/{RATE_LIMIT_RETRIES})", file=sys.stderr)
            time.sleep(wait)
        if response.status_code >= 400:
            raise self._failure(response)
        return response

    @staticmethod
    def _failure(response: requests.Response) -> ApiFailure:
        rid = response.headers.get("x-request-id", "")
        try:
            error = response.json()["error"]
            message, code = error["message"], error["code"]
            details = [d.get("message", "") for d in error.get("details") or []
                       if d.get("message") and d.get("message") not in message]
            if details:
                message += "\n  " + "\n  ".join(details[:20])
        except (ValueError, KeyError, TypeError):
            code = "HttpError"
            message = {401: "The function key is missing or wrong (--key or "
                            "ADVISOR_REPORTS_KEY)."}.get(response.status_code,
                                                       response.text[:300] or response.reason)
        return ApiFailure(response.status_code, code, message, rid)

    def json(self, method: str, path: str, **kwargs) -> Any:
        return self.request(method, path, **kwargs).json()

    def all_pages(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        results, page = [], 1
        while True:
            data = self.json("GET", path, params={**params, "page": page, "pageSize": 100})
            results += data["results"]
            if not data.get("next"):
                return results
            page += 1

    def open_download(self, url: str) -> tuple[str, requests.Response]:
        """The file's name (the server's Content-Disposition, else the URL's last segment)
        and the response, its body not read yet: the caller decides where it may go."""
        response = self.request("GET", url, stream=True)
        name = Path(filename_from(response.headers.get("Content-Disposition", "")) or "").name
        if name in ("", ".", ".."):
            name = url.rsplit("/", 1)[-1]
        return name, response


class WouldOverwrite(Exception):
    """A download would replace files already there, and --force was not given."""


def save(response: requests.Response, target: Path, force: bool) -> Path:
    """Write a download's body to `target`. Without `force`, exclusively: a file that
    appeared since the caller looked is not replaced either. A download cut short (an error,
    Ctrl-C) leaves no half file behind to be refused next time."""
    opened = False
    try:
        with open(target, "wb" if force else "xb") as out:
            opened = True
            for chunk in response.iter_content(1 << 16):
                out.write(chunk)
    except FileExistsError:
        raise WouldOverwrite(f"{target} appeared while downloading; not replaced (--force "
                             "replaces it)") from None
    except BaseException:
        if opened:
            target.unlink(missing_ok=True)
        raise
    return target


def filename_from(disposition: str) -> str | None:
    utf8 = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    if utf8:
        return unquote(utf8.group(1))
    plain = re.search(r'filename="([^"]+)"', disposition)
    return plain.group(1) if plain else None
