"""Advisor Reports: the function app. Registers the blueprints and nothing else."""

import azure.durable_functions as df
import azure.functions as func

from activities import (
    bulk_report_action,
    fetch_recommendations,
    finalize_report,
    mark_report_failed,
    render_report,
    store_recommendations,
    summarize,
    validate_csv,
)
from orchestrators import bulk_reports, process_report, render_artifacts
from shared.telemetry import configure_telemetry
from triggers import api, blob_drop, cleanup, import_schedule, web

configure_telemetry()  # a no-op unless APPLICATIONINSIGHTS_CONNECTION_STRING is set

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (
    api.bp, web.bp, blob_drop.bp, cleanup.bp, import_schedule.bp,
    process_report.bp, render_artifacts.bp, bulk_reports.bp,
    validate_csv.bp, store_recommendations.bp, summarize.bp, render_report.bp,
    finalize_report.bp, mark_report_failed.bp, bulk_report_action.bp, fetch_recommendations.bp,
):
    app.register_functions(blueprint)
