// Swagger UI on this service's own OpenAPI document; nothing is fetched from elsewhere
// (no validator badge).
window.addEventListener("load", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
  });
});
