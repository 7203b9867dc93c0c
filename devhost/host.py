"""Compose the devhost: storage, the Durable engine, HTTP server, blob and timer triggers."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import secrets
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient

from devhost import azurite, functions
from devhost.blob_triggers import BlobTriggers
from devhost.config import HostConfig
from devhost.durable import api
from devhost.durable.engine import Engine
from devhost.durable.store import DurableStore
from devhost.easy_auth import SIGN_IN, EasyAuth
from devhost.http_triggers import HttpTriggers, build_routes, presented_key
from devhost.keys import DURABLETASK, Keys
from devhost.timer_triggers import add_admin_routes, run_timer
from devhost.workers import start_pool
from shared.redaction import register_secret

log = logging.getLogger("devhost")


@dataclass
class Options:
    port: int
    app_module: str
    script_root: Path
    data_dir: Path
    start_azurite: bool
    blob_poll_seconds: float


def ensure_storage(options: Options) -> subprocess.Popen | None:
    """Start Azurite unless AzureWebJobsStorage already reaches a storage endpoint."""
    conn = os.environ.get("AzureWebJobsStorage", "")
    if not conn:
        raise SystemExit("AzureWebJobsStorage is not set (see local.settings.sample.json).")
    endpoints = azurite.endpoints(conn)
    if all(azurite.is_reachable(url) for url in endpoints.values()):
        return None
    if not options.start_azurite:
        raise SystemExit(f"Storage is not reachable at {endpoints} and --no-azurite was given.")
    ports = azurite.Ports(*[int(url.split(":")[2].split("/")[0]) for url in
                            (endpoints["blob"], endpoints["queue"], endpoints["table"])])
    log.info("Starting Azurite (data in %s)", options.data_dir / "data")
    return azurite.start(ports, options.data_dir / "data", log=options.data_dir / "azurite.log")


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@web.middleware
async def local_host_names_only(request: web.Request, handler):
    """A page on another site can point its own name at 127.0.0.1 (DNS rebinding) and then
    talk to the devhost as a same-origin page would, the sign-in emulator included: only
    requests that name this machine are answered."""
    if (request.url.host or "").lower() not in LOCAL_HOSTS:  # the Host header, without port
        return web.Response(status=421, text="This devhost answers localhost only.")
    return await handler(request)


def _loopback_only(request: web.Request) -> web.Response | None:
    peer = request.remote or ""
    try:
        if ipaddress.ip_address(peer).is_loopback:
            return None
    except ValueError:
        pass
    return web.Response(status=403)


async def serve(options: Options, config: HostConfig, keys: Keys) -> None:
    # As App Service with authentication on: the app may trust the principal headers the
    # platform (here devhost/easy_auth.py) adds. WEBSITE_AUTH_ENABLED=false runs without it.
    easy_auth = None
    if os.environ.setdefault("WEBSITE_AUTH_ENABLED", "True").lower() == "true":
        easy_auth = EasyAuth()
    index = functions.load(options.app_module, options.script_root)
    conn = os.environ["AzureWebJobsStorage"]
    tables = TableServiceClient.from_connection_string(conn)
    blobs = BlobServiceClient.from_connection_string(conn)
    io = ThreadPoolExecutor(max_workers=16, thread_name_prefix="devhost-io")
    workers = ThreadPoolExecutor(max_workers=config.max_activities + 8,
                                 thread_name_prefix="devhost-worker")
    store = DurableStore(tables, blobs, config.hub_name)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(io, store.ensure)
    process_count = int(os.environ.get("FUNCTIONS_WORKER_PROCESS_COUNT", "1") or 1)
    processes = start_pool(process_count, options.app_module, options.script_root) \
        if process_count > 1 else None
    engine = Engine(index, store, io=io, workers=workers, max_activities=config.max_activities,
                    max_orchestrations=config.max_orchestrations,
                    processes=processes)

    base_url = f"http://localhost:{options.port}"
    rpc_token = secrets.token_urlsafe(16)
    for secret in (keys.function, keys.master, *keys.system.values(), rpc_token):
        register_secret(secret)  # never written to the log, wherever it would appear
    binding = api.client_binding(base_url.replace("localhost", "127.0.0.1"), config.hub_name,
                                 keys.durabletask, rpc_token)
    engine.client_binding = lambda: binding  # activities may take a durable client too
    http = HttpTriggers(build_routes(index.http), config.route_prefix, keys, workers,
                        lambda: binding)

    def webhook_guard(request: web.Request) -> web.Response | None:
        # The host's extension webhooks take the extension's system key or the master key.
        return None if keys.allows_webhook(DURABLETASK, presented_key(request)) \
            else web.Response(status=401)

    async def host_status(request: web.Request) -> web.Response:
        if not keys.allows("admin", presented_key(request)):
            return web.Response(status=401)
        return web.json_response({"state": "Running", "functions": [f.name for f in index.all()]})

    app = web.Application(client_max_size=256 * 1024 * 1024,
                          middlewares=[local_host_names_only])
    api.add_routes(app, engine, prefix=api.PUBLIC_PREFIX, hub=config.hub_name,
                   guard=webhook_guard, key=keys.durabletask)
    api.add_routes(app, engine, prefix=api.rpc_prefix(rpc_token), hub=config.hub_name,
                   guard=_loopback_only, key=keys.durabletask)
    app.router.add_get("/admin/host/status", host_status)
    add_admin_routes(app, index.timer, workers,
                     lambda request: keys.allows("admin", presented_key(request)),
                     lambda: binding)
    if easy_auth is not None:
        easy_auth.add_routes(app)

        async def handle(request: web.Request) -> web.StreamResponse:
            return await http.handle(easy_auth.with_principal(request))
    else:
        handle = http.handle
    app.router.add_route("*", r"/{tail:[\s\S]*}", handle)  # paths may hold newlines

    # Bodies reach the app as sent: the Functions host does not inflate Content-Encoding.
    runner = web.AppRunner(app, access_log=None, auto_decompress=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", options.port).start()
    await engine.recover()

    background = [loop.create_task(run_timer(info, workers, lambda: binding))
                  for info in index.timer]
    blob_triggers = BlobTriggers(index.blob, blobs, tables, f"{config.hub_name}BlobReceipts",
                                 io, workers, lambda: binding, options.blob_poll_seconds,
                                 QueueServiceClient.from_connection_string(conn))
    background.append(loop.create_task(blob_triggers.run()))
    for task in background:
        task.add_done_callback(_report_crash)

    _banner(base_url, keys, index, config, options.data_dir / "devhost-keys.json")
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("Shutting down")
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    await engine.close()
    await runner.cleanup()
    io.shutdown(wait=False, cancel_futures=True)
    workers.shutdown(wait=False, cancel_futures=True)
    if processes is not None:
        processes.shutdown(wait=False, cancel_futures=True)


def _report_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("devhost background task failed", exc_info=task.exception())


def _banner(base_url: str, keys: Keys, index: functions.FunctionIndex,
            config: HostConfig, keys_file: Path) -> None:
    lines = [f"Functions ({len(index.all())}) in hub '{config.hub_name}':"]
    urls = {}
    for info in index.http:
        methods = ",".join(info.trigger.get("methods") or ["*"])
        route = "/".join(p for p in (config.route_prefix,
                                     info.trigger.get("route") or info.name) if p)
        urls[info.name] = f"{base_url}/{route}"
        lines.append(f"  {info.name}: [{methods}] {urls[info.name]}")
    health = next((url for url in urls.values() if url.endswith("/health")), None)
    for info in [*index.blob, *index.timer, *index.orchestrators.values(),
                 *index.activities.values()]:
        lines.append(f"  {info.name}: {info.trigger_type}")
    lines += [
        "",
        f"Base URL:     {base_url}",
        # Shown on a terminal, not written into a log file a process's output goes to.
        f"Function key: {keys.function if sys.stdout.isatty() else '(in the keys file)'}",
        f"Keys file:    {keys_file} (also the master key and the durabletask_extension "
        "system key that /runtime/webhooks/durabletask takes)",
        f"Web app:      {base_url}/ (sign in on the local form at {base_url}{SIGN_IN})",
        *([f"Try:          curl -s {health}"] if health else []),
        "",
        "devhost ready",
    ]
    print("\n".join(lines), flush=True)
