"use strict";
fetch("/openapi.json").then(r => r.json()).then(spec => {
  const box = document.getElementById("endpoints");
  box.textContent = "";
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const sec = document.createElement("section");
      const h = document.createElement("h2");
      h.textContent = method.toUpperCase() + " " + path;
      const p = document.createElement("p");
      p.textContent = op.summary || "";
      sec.append(h, p);
      const body = op.requestBody && op.requestBody.content["application/json"];
      if (body) {
        const ref = (body.schema.$ref || "").split("/").pop();
        const schema = spec.components.schemas[ref];
        if (schema) {
          const pre = document.createElement("pre");
          pre.textContent = ref + ": " + JSON.stringify(schema.properties, null, 1);
          sec.append(pre);
        }
      }
      box.append(sec);
    }
  }
});
