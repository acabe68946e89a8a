// Swagger UI over this server's /openapi.json; "Try it out" calls this server first (the document
// lists `ashen serve` on 127.0.0.1:8000 too) and sends the page's API key as x-api-key.
"use strict";
(async function () {
  const here = new URL(".", window.location.href).href.replace(/\/$/, "");
  const spec = await (await fetch("openapi.json")).json();
  spec.servers = [{ url: here, description: "this server" }, ...(spec.servers || []).filter((s) => s.url !== here)];
  window.ui = SwaggerUIBundle({
    spec,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: (request) => {
      const key = window.localStorage.getItem("ashen.apiKey");
      if (key) request.headers["x-api-key"] = key;
      return request;
    },
  });
})();
