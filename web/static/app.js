// Advisor Reports: what scripts add to pages that work without them.
// - uploads: drag and drop, a progress bar while the file goes up, then the orchestration's
//   live stage and percent, and the server's problems (line, column, request id) in the page;
// - a report being processed updates itself and reloads when done;
// - share links get a Copy button;
// - a table's scrolling wrapper is a tab stop only while its table is wider than it.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

function describeStage(report) {
  const p = report.progress || {};
  const parts = [`${report.stage || report.status}`.replace(/^./, (c) => c.toUpperCase()),
                 `${p.percent ?? 0} %`];
  if (p.rowsTotal) parts.push(`rows ${p.rowsStored ?? 0} of ${p.rowsTotal}`);
  if (p.artifactsTotal) parts.push(`files ${p.artifactsDone ?? 0} of ${p.artifactsTotal}`);
  return parts.join(" · ");
}

function showProblems(box, body, status) {
  const error = (body && body.error) || {};
  box.replaceChildren();
  const title = document.createElement("p");
  title.textContent = error.message || `The upload failed (HTTP ${status}).`;
  box.append(title);
  if (Array.isArray(error.details) && error.details.length) {
    const list = document.createElement("ul");
    for (const d of error.details.slice(0, 50)) {
      const item = document.createElement("li");
      item.textContent = (d.target ? `${d.target}: ` : "") + (d.message || "");
      list.append(item);
    }
    box.append(list);
  }
  if (body && body.requestId) {
    const rid = document.createElement("p");
    rid.textContent = `Request id: ${body.requestId}`;
    box.append(rid);
  }
  box.hidden = false;
  box.focus?.();
}

async function poll(url, stage, bar, onDone) {
  for (;;) {
    let report;
    try {
      const r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      report = await r.json();
    } catch (e) {
      stage.textContent = `Could not read the progress (${e.message}); retrying…`;
      await new Promise((ok) => setTimeout(ok, 3000));
      continue;
    }
    stage.textContent = describeStage(report);
    bar.value = report.progress?.percent ?? 0;
    if (report.status === "completed" || report.status === "failed") return onDone(report);
    await new Promise((ok) => setTimeout(ok, 1000));
  }
}

function setUpUpload(form) {
  const drop = form.querySelector("[data-drop]");
  const input = form.querySelector('input[type="file"]');
  const progress = form.querySelector("[data-progress]");
  const stage = form.querySelector("[data-stage]");
  const bar = form.querySelector("[data-bar]");
  const problems = form.querySelector("[data-problems]");
  problems.tabIndex = -1;
  if (drop && input) {
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      if (e.dataTransfer?.files?.length) input.files = e.dataTransfer.files;
    });
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    problems.hidden = true;
    progress.hidden = false;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    xhr.upload.addEventListener("progress", (ev) => {
      if (!ev.lengthComputable) return;
      const percent = Math.round((100 * ev.loaded) / ev.total);
      bar.value = percent;
      stage.textContent = `Uploading · ${percent} %`;
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status === 202 && body && body.progress) {
        stage.textContent = "Uploaded · waiting for processing";
        bar.value = 0;
        poll(body.progress, stage, bar, (report) => {
          if (report.status === "completed") {
            stage.textContent = "Completed · opening the report";
            window.location.assign(body.page);
          } else {
            showProblems(problems, { error: { message: "Processing failed.",
              details: (report.errors || []).map((x) => ({
                target: x.line ? `Line ${x.line}${x.column ? `, column ${x.column}` : ""}` : "",
                message: x.message })) } }, 200);
            button.disabled = false;
          }
        });
      } else {
        progress.hidden = true;
        if (body && !body.requestId) body.requestId = xhr.getResponseHeader("x-request-id");
        showProblems(problems, body, xhr.status);
        button.disabled = false;
      }
    });
    xhr.addEventListener("error", () => {
      progress.hidden = true;
      showProblems(problems, null, 0);
      button.disabled = false;
    });
    xhr.send(new FormData(form));
  });
}

function setUpReportProgress(panel) {
  const stage = panel.querySelector("[data-stage]");
  const bar = panel.querySelector("[data-bar]");
  poll(panel.dataset.reportProgress, stage, bar, () => window.location.reload());
}

function setUpCopy(button) {
  const source = document.getElementById(button.dataset.copy);
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.value);
      button.textContent = "Copied";
    } catch {
      source.select();
      button.textContent = "Press Ctrl+C to copy";
    }
  });
}

// The markup makes every wrapper a focusable region, so that without scripts a keyboard can
// still scroll a wide table; a wrapper whose table fits (most of them on a desktop, the plan
// on a phone) would only be one more stop for nothing.
function fitTableWraps() {
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    wrap.dataset.label ??= wrap.getAttribute("aria-label") || "Scrollable table";
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", wrap.dataset.label);
    } else {  // a plain box again: a label on it would be one without a role
      for (const name of ["tabindex", "role", "aria-label"]) wrap.removeAttribute(name);
    }
  }
}

let fitting = 0;
window.addEventListener("resize", () => {
  cancelAnimationFrame(fitting);
  fitting = requestAnimationFrame(fitTableWraps);
});
fitTableWraps();
document.querySelectorAll("form[data-upload]").forEach(setUpUpload);
document.querySelectorAll("[data-report-progress]").forEach(setUpReportProgress);
document.querySelectorAll("button[data-copy]").forEach(setUpCopy);
