// Live preview for the guide page editor in the admin.
// The "Preview changes" button works without this script (it posts the form to the preview
// page in a new tab). With it, the same button shows the rendered page under the form and
// keeps it up to date while the editor types. The server renders through the same Markdown
// and sanitiser as a saved page, so the preview is exactly what patients would get.
(function () {
  "use strict";
  var button = document.getElementById("guide-preview-button");
  var panel = document.getElementById("guide-preview");
  var output = document.getElementById("guide-preview-output");
  var status = document.getElementById("guide-preview-status");
  if (!button || !panel || !output || !window.fetch || !window.FormData) { return; }
  var form = button.form;
  var url = button.getAttribute("formaction");
  var watched = ["id_title", "id_summary", "id_body", "id_references"];
  var timer = null;
  var live = false;

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function show(data) {
    // The HTML comes from the server's sanitiser (nh3), never from the raw textarea.
    output.innerHTML = "";
    var title = document.createElement("h1");
    title.textContent = data.title;
    output.appendChild(title);
    if (data.summary) {
      var summary = document.createElement("p");
      summary.textContent = data.summary;
      output.appendChild(summary);
    }
    var body = document.createElement("div");
    body.innerHTML = data.body_html;
    output.appendChild(body);
    if (data.references_html) {
      var refs = document.createElement("div");
      refs.innerHTML = data.references_html;
      output.appendChild(refs);
    }
  }

  function refresh() {
    status.textContent = "Updating preview…";
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        status.textContent = "Preview updated. It is not saved until you press Save.";
      })
      .catch(function () {
        status.textContent = "The preview could not be updated. Your text is still in the form.";
      });
  }

  button.addEventListener("click", function (event) {
    event.preventDefault();
    panel.hidden = false;
    live = true;
    refresh();
    panel.scrollIntoView({ behavior: "smooth", block: "start" });
  });

  watched.forEach(function (id) {
    var field = document.getElementById(id);
    if (!field) { return; }
    field.addEventListener("input", function () {
      if (!live) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 700);
    });
  });
})();
