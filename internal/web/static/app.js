// rcmbot web app: a few progressive enhancements. Every page works
// without this file; with it, uploads show progress, batch pages refresh
// themselves, and the review queue gets "select all".
"use strict";

(function () {
  // Forms that do something hard to undo ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  });

  // Review queue: select all, a live count, and the override reason.
  var all = document.getElementById("select-all");
  var queueForm = document.getElementById("review-form");
  if (queueForm) {
    var boxes = queueForm.querySelectorAll('input[name="claim"]');
    var count = document.getElementById("selected-count");
    var update = function () {
      var n = queueForm.querySelectorAll('input[name="claim"]:checked').length;
      if (count) count.textContent = n === 0 ? "Select claims with the boxes, then choose an action." : n + (n === 1 ? " claim selected." : " claims selected.");
      if (all) {
        all.checked = n > 0 && n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      }
    };
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    if (all) all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
    queueForm.addEventListener("submit", function (ev) {
      var action = queueForm.querySelector('input[name="action"]:checked');
      var reason = document.getElementById("bulk-reason");
      if (action && action.value === "override" && reason && reason.value.trim() === "") {
        ev.preventDefault();
        reason.setAttribute("aria-invalid", "true");
        if (count) count.textContent = "To override, write why the claims should go out despite their findings.";
        reason.focus();
      }
    });
    update();
  }

  // A batch that is still being read or scrubbed: reload when it moves on.
  var poll = document.querySelector("[data-poll]");
  if (poll) {
    var timer = window.setInterval(function () {
      fetch(poll.dataset.poll, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (b) {
          if (b && b.status !== poll.dataset.status) {
            window.clearInterval(timer);
            window.location.reload();
          }
        })
        .catch(function () { /* try again next tick */ });
    }, 2000);
  }

  // Upload: drag and drop, size check, progress, then follow the batch.
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("file");
  var zone = document.getElementById("dropzone");
  var nameOut = document.getElementById("file-name");
  var errBox = document.getElementById("upload-error");
  var panel = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  var statusOut = document.getElementById("upload-status");
  var button = document.getElementById("upload-button");
  var max = parseInt(form.dataset.max, 10);

  var showError = function (msg) {
    errBox.textContent = msg;
    errBox.hidden = false;
    errBox.setAttribute("tabindex", "-1");
    errBox.focus();
    button.disabled = false;
  };
  var showName = function () {
    var f = input.files && input.files[0];
    nameOut.textContent = f ? "Chosen: " + f.name + " (" + Math.ceil(f.size / 1024) + " KB)" : "No file chosen.";
  };
  input.addEventListener("change", showName);
  ["dragenter", "dragover"].forEach(function (t) {
    zone.addEventListener(t, function (ev) { ev.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    zone.addEventListener(t, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (ev) {
    ev.preventDefault();
    if (ev.dataTransfer && ev.dataTransfer.files.length > 0) {
      input.files = ev.dataTransfer.files;
      showName();
    }
  });

  var step = function (id, state) {
    var li = document.getElementById(id);
    if (li) li.className = state;
  };
  var follow = function (batch) {
    var link = "/batches/" + batch.batch_id;
    document.getElementById("open-batch").href = link;
    var tick = function () {
      fetch("/api/v1/batches/" + batch.batch_id, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (b) {
          if (b.status === "parsing") {
            step("step-parsing", "current");
            statusOut.textContent = "Reading the spreadsheet…";
          } else if (b.status === "scrubbing") {
            step("step-parsing", "done");
            step("step-scrubbing", "current");
            statusOut.textContent = "Scrubbing " + b.counts.claims + " claims…";
          } else if (b.status === "failed") {
            step("step-parsing", "failed");
            statusOut.textContent = "";
            showError("The file could not be processed: " + (b.failure_reason || "see the batch page.") + " Fix the file and upload it again.");
            document.getElementById("upload-next").hidden = false;
            return;
          } else {
            step("step-parsing", "done");
            step("step-scrubbing", "done");
            step("step-done", "done");
            statusOut.textContent = "Done: " + b.counts.claims + " claims, " + b.counts.flagged + " flagged for review, clean-claim rate " +
              (b.counts.claims ? (100 * b.clean_claim_rate).toFixed(1) + "%" : "—") + ".";
            document.getElementById("upload-next").hidden = false;
            document.getElementById("open-review").hidden = b.counts.flagged === 0;
            document.getElementById("open-batch").focus();
            button.disabled = false;
            return;
          }
          window.setTimeout(tick, 1000);
        })
        .catch(function () { window.setTimeout(tick, 2000); });
    };
    tick();
  };

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    errBox.hidden = true;
    var f = input.files && input.files[0];
    if (!f) { showError("Choose a claims spreadsheet (.xlsx or .csv) first."); return; }
    if (max && f.size > max) {
      showError("The file is larger than the " + form.dataset.maxLabel + " upload limit. Split it into smaller files (for example one per week) and upload each.");
      return;
    }
    var data = new FormData();
    data.append("file", f, f.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/batches");
    xhr.setRequestHeader("X-CSRF-Token", form.querySelector('input[name="csrf_token"]').value);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); bar.textContent = bar.value + "%"; }
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 202 && body) {
        step("step-upload", "done");
        follow(body);
        return;
      }
      panel.hidden = true;
      if (xhr.status === 401) { showError("Your session has ended. Sign in again, then upload the file."); return; }
      showError(body && body.error ? body.error : "The upload failed (HTTP " + xhr.status + "). Try again.");
    });
    xhr.addEventListener("error", function () {
      panel.hidden = true;
      showError("The upload was interrupted. Check your connection and try again.");
    });
    button.disabled = true;
    panel.hidden = false;
    step("step-upload", "current");
    statusOut.textContent = "Uploading " + f.name + "…";
    xhr.send(data);
  });
})();
