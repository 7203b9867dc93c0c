"""`python -m devhost [--port 7071] [--settings FILE] [--no-azurite]`."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from devhost import config, host, keys
from devhost.logs import configure_logging


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="devhost", description=__doc__)
    parser.add_argument("--port", type=int, default=7071)
    parser.add_argument("--settings", help="local settings file (default local.settings.json, "
                        "else local.settings.sample.json)")
    parser.add_argument("--no-azurite", action="store_true",
                        help="never start Azurite; storage must already be reachable")
    parser.add_argument("--app", default="function_app", help="module holding `app`")
    parser.add_argument("--script-root", default=".", help="folder holding host.json")
    parser.add_argument("--data-dir", default=os.environ.get("DEVHOST_DATA_DIR", ".azurite"),
                        help="where Azurite data and the generated keys are kept")
    args = parser.parse_args(argv)

    configure_logging()
    script_root = Path(args.script_root).resolve()
    settings_file = config.resolve_settings_file(script_root, args.settings)
    if settings_file:
        config.load_local_settings(settings_file)
    options = host.Options(
        port=args.port,
        app_module=args.app,
        script_root=script_root,
        data_dir=Path(args.data_dir).resolve(),
        start_azurite=not args.no_azurite,
        blob_poll_seconds=float(os.environ.get("DEVHOST_BLOB_POLL_SECONDS", "2")),
    )
    host_config = config.HostConfig.load(script_root / "host.json")
    azurite_proc = host.ensure_storage(options)
    try:
        asyncio.run(host.serve(options, host_config, keys.load(options.data_dir)))
    finally:
        if azurite_proc is not None:
            azurite_proc.terminate()
            azurite_proc.wait(timeout=10)


if __name__ == "__main__":
    main()
