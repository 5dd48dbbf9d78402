// After a candidate is accepted the server names the new revision (HX-Trigger "inlay:revision");
// load its text into the editor so what the user sees is what was saved.
document.body.addEventListener("inlay:revision", async (event) => {
  const response = await fetch(event.detail.url, { credentials: "same-origin" });
  if (!response.ok) return;
  const text = await response.text();
  document.dispatchEvent(new CustomEvent("inlay:set-text", { detail: { text } }));
});
