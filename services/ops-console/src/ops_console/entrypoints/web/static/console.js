// The dashboard's live figures (progressive enhancement): Server-Sent Events from /dashboard/stream update every
// [data-counter] in place; without this script the page shows the same figures and a reload refreshes them.
(function () {
  "use strict";
  var root = document.getElementById("counters");
  if (!root || !window.EventSource) { return; }
  var format = new Intl.NumberFormat(root.getAttribute("data-lang") === "en" ? "en-US" : "id-ID");
  function lookup(data, path) {
    var parts = path.split(".");
    var value = data;
    for (var i = 0; i < parts.length; i++) {
      if (value === null || typeof value !== "object") { return 0; }
      // reasons and ages may hold dots of their own: take the rest as one key when the next part is unknown
      if (!(parts[i] in value)) {
        var rest = parts.slice(i).join(".");
        return rest in value ? value[rest] : 0;
      }
      value = value[parts[i]];
    }
    return typeof value === "number" ? value : 0;
  }
  var AGES = ["<1d", "1-7d", "7-30d", ">30d"];
  function addReasonRows(queue) {
    // a reason the page did not know when it was rendered gets its own row (built with DOM calls, no HTML)
    var body = document.querySelector("#review-table tbody");
    if (!body) { return; }
    Object.keys(queue).sort().forEach(function (reason) {
      if (body.querySelector("[data-reason='" + CSS.escape(reason) + "']")) { return; }
      var empty = body.querySelector("td[colspan]");
      if (empty) { body.removeChild(empty.parentNode); }
      var row = document.createElement("tr");
      row.setAttribute("data-reason", reason);
      var head = document.createElement("th");
      head.setAttribute("scope", "row");
      head.textContent = reason;
      row.appendChild(head);
      AGES.forEach(function (age) {
        var cell = document.createElement("td");
        cell.setAttribute("data-counter", "review_queue." + reason + "." + age);
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }
  var source = new EventSource("/dashboard/stream");
  source.addEventListener("counters", function (event) {
    var data = JSON.parse(event.data);
    addReasonRows(data.review_queue || {});
    var cells = root.querySelectorAll("[data-counter]");
    for (var i = 0; i < cells.length; i++) {
      var text = format.format(lookup(data, cells[i].getAttribute("data-counter")));
      if (cells[i].textContent !== text) { cells[i].textContent = text; }
    }
    root.setAttribute("data-version", event.lastEventId);
  });
}());
