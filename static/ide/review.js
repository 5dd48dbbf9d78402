// After a candidate is accepted the server names the new revision (HX-Trigger "inlay:revision");
// load its text into the editor so what the user sees is what was saved.
document.body.addEventListener("inlay:revision", async (event) => {
  const response = await fetch(event.detail.url, { credentials: "same-origin" });
  if (!response.ok) return;
  const text = await response.text();
  document.dispatchEvent(new CustomEvent("inlay:set-text", { detail: { text } }));
});

// One run at a time per sketch: "Fill holes" and the refill buttons wait while the shown run is
// queued or running (the server refuses a second run as well).
function syncFillButtons() {
  const run = document.querySelector("#workbench .run");
  const busy = run !== null && ["queued", "running"].includes(run.dataset.status);
  for (const button of document.querySelectorAll("#fill-button, .refill-hole, .run-as-is")) {
    button.disabled = busy;
    button.title = busy ? "A run of this sketch is in progress: wait for it or cancel it." : "";
  }
}
for (const name of ["htmx:afterSettle", "htmx:wsAfterMessage", "htmx:oobAfterSwap"]) {
  document.body.addEventListener(name, syncFillButtons);
}
syncFillButtons();

// The Holes panel follows the editor: each time the language server has analysed the text
// again (it publishes diagnostics), the panel is drawn for the text as it is, saved or not.
// Not while the user is typing in the panel itself, so nothing typed there is lost.
// Checked when the request leaves and again when its answer comes: the user may have opened a
// form in the panel in between.
let outlineTimer = null;
function userIsInOutline(outline) {
  return outline.contains(document.activeElement) || outline.querySelector("details[open]");
}
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const outline = document.getElementById("outline");
  if (!outline || event.detail.requestConfig.path !== outline.dataset.previewUrl) return;
  if (userIsInOutline(outline)) event.detail.shouldSwap = false;
});
document.addEventListener("inlay:diagnostics", () => {
  clearTimeout(outlineTimer);
  outlineTimer = setTimeout(() => {
    const outline = document.getElementById("outline");
    const text = document.getElementById("sketch-text");
    if (!outline || !text || userIsInOutline(outline)) return;
    window.htmx.ajax("POST", outline.dataset.previewUrl, {
      target: "#outline",
      swap: "outerHTML",
      values: { text: text.value },
    });
  }, 300);
});

// A request the server refused or could not answer: what it said goes above the page, where it
// is seen whichever panel asked. Nothing the request carried was saved, and the editor still
// holds its text. The next request of the user's that succeeds takes the message away (not the
// Holes panel's redraw, which may have left before the refused one).
const requestError = document.getElementById("request-error");
document.body.addEventListener("htmx:responseError", (event) => {
  const response = event.detail.xhr;
  const type = response.getResponseHeader("Content-Type") || "";
  const said = type.startsWith("text/plain") ? response.responseText.trim() : "";
  requestError.textContent =
    said || `The server could not do that (HTTP ${response.status}); nothing was saved.`;
  requestError.hidden = false;
});
document.body.addEventListener("htmx:sendError", () => {
  requestError.textContent = "Inlay cannot be reached: nothing was sent, the text is still here.";
  requestError.hidden = false;
});
document.body.addEventListener("htmx:afterRequest", (event) => {
  const outline = document.getElementById("outline");
  const redraw = outline && event.detail.requestConfig.path === outline.dataset.previewUrl;
  if (event.detail.successful && !redraw) requestError.hidden = true;
});
