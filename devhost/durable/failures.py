"""Activity failures in the words of the real host, so the app reads the same text everywhere.

The chain on Azure: the Python worker reports `"{type}: {message}"` and the stack
(azure_functions_worker's `_serialize_exception`); the host wraps them as an RpcException whose
message is `"Result: Failure\\nException: {message}\\nStack: {stack}"`; the Durable extension's
TaskActivityShim.cs cuts the text between "\\nException:" and "\\nStack:" back out (leading
space included: OutOfProcExceptionHelpers.cs) and fails the task with
`"Activity function '{name}' failed: {that}"` and the exception serialised as JSON details
(Utils.SerializeCause). A missing activity follows TaskNonexistentActivityShim.cs.
"""

from __future__ import annotations

import json
import traceback

_RPC_EXCEPTION = "Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException"


def worker_message(exc: BaseException) -> tuple[str, str]:
    """What the Python worker reports for an exception: its message and its stack."""
    return f"{type(exc).__name__}: {exc}", "".join(traceback.format_tb(exc.__traceback__))


def activity_failed(name: str, message: str, stack: str) -> tuple[str, str]:
    """The TaskFailed event's Reason and Details for an activity whose code raised."""
    rpc_message = f"Result: Failure\nException: {message}\nStack: {stack}"
    friendly = rpc_message[rpc_message.index("\nException:") + len("\nException:"):
                           rpc_message.index("\nStack:")]
    details = _exception_json("System.Exception", friendly,
                              _exception_json(_RPC_EXCEPTION, rpc_message, None))
    return f"Activity function '{name}' failed: {friendly}", json.dumps(details)


def activity_missing(name: str) -> tuple[str, str]:
    message = f"Activity function '{name}' does not exist."
    details = _exception_json(
        "Microsoft.Azure.WebJobs.Extensions.DurableTask.FunctionFailedException", message, None)
    return f"Activity function '{name}' failed: {message}", json.dumps(details)


def _exception_json(class_name: str, message: str, inner: dict | None) -> dict:
    """The fields Newtonsoft writes for a serialised .NET exception (the ones a reader uses)."""
    return {"ClassName": class_name, "Message": message, "Data": None, "InnerException": inner,
            "HelpURL": None, "StackTraceString": None, "HResult": -2146233088, "Source": None}
