// The page bar of every app: "← All apps", "Copy link", and the deep-link plumbing.
// On render it reports the page's query string to Python (trait `query`); when Python answers a
// copy request (a message with the state as a query string) it puts the link in the address bar
// and on the clipboard.
function render({ model, el }) {
  el.classList.add("explorer-page-bar");
  el.style.cssText = "display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:0 0 8px 0";
  const back = document.createElement("a");
  back.className = "explorer-back-link";
  back.href = model.get("index_href");
  back.textContent = "← All apps";
  back.style.cssText = "font-size:14px;text-decoration:none;color:#1d3f7a";
  el.appendChild(back);
  if (!model.get("with_link")) return;
  const button = document.createElement("button");
  button.className = "explorer-copy-link jupyter-button";
  button.textContent = "Copy link";
  button.title = "A link that opens this app in its current state";
  const box = document.createElement("input");
  box.className = "explorer-link-box";
  box.readOnly = true;
  box.style.cssText = "flex:1 1 240px;min-width:0;max-width:520px;font-size:12px;display:none";
  const note = document.createElement("span");
  note.className = "explorer-link-note";
  note.style.cssText = "font-size:12px;color:#557";
  el.append(button, box, note);
  // Keep an access token, if the page was opened with one, in every link written.
  const token = new URLSearchParams(window.location.search).get("token");
  const href = (query) => {
    const params = new URLSearchParams(query);
    if (token) params.set("token", token);
    const text = params.toString();
    return window.location.origin + window.location.pathname + (text ? "?" + text : "");
  };
  button.addEventListener("click", () => model.send({ kind: "copy" }));
  // Every click is answered with a message (a trait that keeps its value sends nothing).
  model.on("msg:custom", (msg) => {
    if (!msg || msg.kind !== "link") return;
    const url = href(msg.link);
    try { window.history.replaceState(null, "", url); } catch (e) { /* file:// etc. */ }
    box.value = url;
    box.style.display = "";
    const done = () => { note.textContent = "Link copied"; };
    const manual = () => { box.select(); note.textContent = document.execCommand && document.execCommand("copy") ? "Link copied" : "Copy the link from the box"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(done, manual);
    } else {
      manual();
    }
  });
  model.set("query", window.location.search.replace(/^\?/, ""));
  model.save_changes();
}
export default { render };
