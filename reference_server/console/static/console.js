// scim-harness console: the little script the pages use. Loaded from a file (the pages' CSP
// allows no inline script); every page works without it, this only adds convenience.
"use strict";

(function () {
  // Copy buttons: <button data-copy="ID"> copies the value of the input with that id.
  function copyValue(button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy") + "-copied");
    if (!input) return;
    function done(ok) {
      if (status) status.textContent = ok ? "Copied" : "Select and copy by hand";
      if (ok) setTimeout(function () { if (status) status.textContent = ""; }, 2500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { done(true); }, function () { done(false); });
    } else {
      input.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    }
  }

  // Forms with data-confirm ask first (data-confirm-if: only when that checkbox is ticked).
  function confirmSubmit(event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (!message) return;
    var only = form.getAttribute("data-confirm-if");
    if (only && !(form.elements[only] && form.elements[only].checked)) return;
    if (!window.confirm(message)) event.preventDefault();
  }

  // Mapping editor: add a row from the kind's <template>, remove a row.
  var added = 0;
  function addRow(kind) {
    var template = document.getElementById("row-template-" + kind);
    var table = document.querySelector("table.mapping[data-kind='" + kind + "']");
    if (!template || !table) return;
    added += 1;
    var index = String(1000 + added);
    var html = template.innerHTML.split("-NEW-").join("-" + index + "-");
    table.insertAdjacentHTML("beforeend", html);
    var rows = table.querySelectorAll("tbody[data-row]");
    var first = rows[rows.length - 1].querySelector("input[type=text]");
    if (first) first.focus();
  }
  function removeRow(button) {
    var row = button.closest("tbody[data-row]");
    if (!row) return;
    var table = row.closest("table");
    row.remove();
    var next = table && table.parentNode.parentNode.querySelector("[data-add-row]");
    if (next) next.focus();
  }

  // Import: read the chosen file into the JSON field.
  function readInto(input) {
    var target = document.getElementById(input.getAttribute("data-import-into"));
    var file = input.files && input.files[0];
    if (!target || !file) return;
    var reader = new FileReader();
    reader.onload = function () { target.value = String(reader.result); };
    reader.readAsText(file);
  }

  // Requests tab: while the newest page is open, put new rows on top every two seconds.
  function followRequests() {
    var box = document.getElementById("requests");
    var toggle = document.getElementById("live");
    var status = document.getElementById("live-status");
    var total = document.getElementById("request-total");
    if (!box || !box.hasAttribute("data-live")) return;
    var busy = false;
    function poll() {
      if (busy || (toggle && !toggle.checked) || document.hidden) return;
      busy = true;
      var url = box.getAttribute("data-feed") + "after=" + encodeURIComponent(box.getAttribute("data-newest"));
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (response) {
        var newest = response.headers.get("X-Newest-Seq");
        if (!response.ok || response.redirected || newest === null) {
          if (status) status.textContent = "Live updates stopped: sign in again.";
          if (toggle) toggle.checked = false;
          return null;
        }
        return response.text().then(function (html) {
          var count = Number(response.headers.get("X-Rows") || "0");
          if (count > 0) {
            box.insertAdjacentHTML("afterbegin", html);
            box.setAttribute("data-newest", newest);
            var fresh = box.querySelectorAll("details.req");
            for (var i = 0; i < count && i < fresh.length; i++) fresh[i].classList.add("new");
            if (total) total.textContent = String(Number(total.textContent) + count);
            var empty = document.getElementById("no-requests");
            if (empty) empty.remove();
            if (status) status.textContent = count + " new request" + (count === 1 ? "" : "s");
          }
        });
      }).catch(function () {
        if (status) status.textContent = "Live updates paused: the server does not answer.";
      }).then(function () { busy = false; });
    }
    setInterval(poll, 2000);
  }

  // Conformance tab: while a run goes on, reload when it ends.
  function followRuns() {
    var box = document.getElementById("conformance");
    if (!box || !box.hasAttribute("data-poll")) return;
    var url = box.getAttribute("data-poll");
    var timer = setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok || response.redirected) { clearInterval(timer); return null; }
          return response.json();
        })
        .then(function (states) {
          if (!states) return;
          var running = Object.keys(states).some(function (side) {
            return states[side] && states[side].state === "running";
          });
          if (!running) { clearInterval(timer); window.location.reload(); }
        }).catch(function () {});
    }, 1500);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    if (target.hasAttribute("data-copy")) copyValue(target);
    else if (target.hasAttribute("data-add-row")) addRow(target.getAttribute("data-add-row"));
    else if (target.hasAttribute("data-remove-row")) removeRow(target);
  });
  document.addEventListener("submit", confirmSubmit);
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-import-into")) readInto(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    followRequests();
    followRuns();
  });
})();
