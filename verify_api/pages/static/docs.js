// Starts Swagger UI on /docs (api/docs_page.py): a file of ours rather than an inline script, so the page's CSP
// keeps script-src 'self'. validatorUrl null: Swagger UI would otherwise load a badge from an online validator.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
