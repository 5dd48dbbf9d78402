// Inlay sketch editor: CodeMirror 6 + a language server over a WebSocket.
//
// Load as a module:  <script type="module" src="{% static 'ide/editor.js' %}"></script>
//
// The page must provide
//   <div id="editor" data-lsp-url="/ws/lsp/"                 (ws://, wss:// or a path)
//        data-document-uri="file:///sketches/7/sketch.py"    (URI the server sees)
//        [data-root-uri="file:///sketches/7/"]>              (optional workspace root)
//   </div>
//   <textarea id="sketch-text" name="text">initial text</textarea>
//   [<span id="lsp-status"></span>]                          (optional status text)
//
// What this module provides
//   window.inlayEditor.getText()       current document text
//   window.inlayEditor.setText(text)   replace the document (undoable; updates the
//                                      textarea; the LSP client sends didChange)
//   window.inlayEditor.view            the CodeMirror EditorView (advanced use)
//   document event "inlay:diagnostics" sent when the language server publishes diagnostics
//   document event "inlay:set-text"    event.detail.text -> setText (e.g. from an
//                                      HX-Trigger: {"inlay:set-text": {"text": "..."}})
//   #editor[data-ready="true"]         set once the editor exists
//   window.inlayEditor.codeActions()   open the code-action menu at the cursor (also
//                                      Ctrl-. / Cmd-. and Alt-Enter in the editor)
//   document event "inlay:run-started" event.detail = {run, hole}, after "Fill" in the menu
//   #editor[data-lsp=...]              "off" | "connecting" (first attempt only) |
//                                      "connected" | "disconnected" (retrying with backoff)
//   #lsp-status                        "language server: connected" / "disconnected" /
//                                      "connecting…"; its data-state mirrors data-lsp
//   textarea#sketch-text               value kept equal to the document on every change;
//                                      user edits also fire a bubbling "input" event on it
//                                      (setText does not, to avoid save/set loops)
//
// If the language server is unreachable the editor still works as a plain editor and
// the client reconnects with backoff. If htmx swaps in a new #editor, it is picked up
// on "htmx:load".

import {
  EditorView,
  EditorState,
  Compartment,
  Annotation,
  basicSetup,
  keymap,
  indentWithTab,
  indentUnit,
  python,
  lintGutter,
  setDiagnostics,
  LSPClient,
  LSPPlugin,
  languageServerExtensions,
} from "../vendor/codemirror.bundle.js";

const EDITOR_ID = "editor";
const TEXTAREA_ID = "sketch-text";
const STATUS_ID = "lsp-status";
const LANGUAGE_ID = "python";

// Marks transactions made by setText(), so they don't echo as user input.
const programmatic = Annotation.define();

/** Resolve a possibly relative WebSocket URL against the page location. */
export function resolveWebSocketUrl(raw, base = window.location.href) {
  const url = new URL(raw, base);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  return url.href;
}

/** Directory part of a file URI, used as the default workspace root. */
function parentUri(uri) {
  const i = uri.lastIndexOf("/");
  return i > "file://".length ? uri.slice(0, i + 1) : uri;
}

function setLspState(host, state) {
  host.dataset.lsp = state;
  const status = document.getElementById(STATUS_ID);
  if (status) {
    status.dataset.state = state;
    status.textContent =
      state === "connected" ? "language server: connected"
      : state === "connecting" ? "language server: connecting…"
      : state === "off" ? "language server: off"
      : "language server: disconnected";
  }
}

/**
 * Keeps one editor connected to a language server over a WebSocket.
 * Each (re)connection gets a fresh LSPClient whose editor plugin is swapped into
 * `compartment`; while disconnected the compartment is empty, so the editor is a
 * plain editor and no LSP requests are attempted.
 */
class LanguageServerConnection {
  constructor(view, host, compartment, { url, documentUri, rootUri }) {
    this.view = view;
    this.host = host;
    this.compartment = compartment;
    this.url = url;
    this.documentUri = documentUri;
    this.rootUri = rootUri;
    this.socket = null;
    this.client = null;
    this.retryDelay = 1000;
    this.retryTimer = null;
    this.stopped = false;
  }

  start() {
    if (this.stopped) return;
    // Show "connecting" only for the first attempt; retries stay "disconnected".
    if (this.host.dataset.lsp !== "disconnected") setLspState(this.host, "connecting");
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (err) {
      console.warn("[inlay] cannot open language server socket", err);
      this.onClosed();
      return;
    }
    this.socket = socket;
    let handlers = [];
    const transport = {
      send(message) {
        if (socket.readyState !== WebSocket.OPEN) throw new Error("language server socket is not open");
        socket.send(message);
      },
      subscribe(handler) { handlers.push(handler); },
      unsubscribe(handler) { handlers = handlers.filter((h) => h !== handler); },
    };
    socket.onmessage = (event) => {
      const data = typeof event.data === "string" ? event.data : String(event.data);
      for (const handler of handlers) {
        try {
          handler(data);
        } catch (err) {
          console.error("[inlay] error handling language server message", err);
        }
      }
      // The server has analysed the text again: the page's Holes panel follows (review.js).
      if (data.includes('"textDocument/publishDiagnostics"')) {
        document.dispatchEvent(new CustomEvent("inlay:diagnostics"));
      }
    };
    socket.onopen = () => {
      if (this.stopped || this.socket !== socket) return;
      const client = new LSPClient({
        rootUri: this.rootUri,
        extensions: languageServerExtensions(),
        timeout: 10000,
      });
      this.client = client;
      client.connect(transport);
      client.initializing.then(
        () => {
          if (this.client !== client) return;
          this.retryDelay = 1000;
          setLspState(this.host, "connected");
        },
        (err) => {
          console.warn("[inlay] language server initialize failed", err);
          if (this.client === client) socket.close();
        },
      );
      // Adding the plugin opens the document (didOpen is sent once initialized).
      this.view.dispatch({ effects: this.compartment.reconfigure(client.plugin(this.documentUri, LANGUAGE_ID)) });
    };
    socket.onerror = () => { /* followed by onclose */ };
    socket.onclose = () => {
      if (this.socket === socket) this.onClosed();
    };
  }

  onClosed() {
    this.socket = null;
    if (this.client) {
      const client = this.client;
      this.client = null;
      // Disconnect first so the plugin's didClose is not sent into a dead socket.
      client.disconnect();
      this.view.dispatch({ effects: this.compartment.reconfigure([]) });
      // Server diagnostics are stale once the server is gone.
      this.view.dispatch(setDiagnostics(this.view.state, []));
    }
    if (this.stopped) return;
    setLspState(this.host, "disconnected");
    this.retryTimer = setTimeout(() => this.start(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 30000);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.client) this.client.disconnect();
    this.client = null;
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close();
    }
  }
}

// Code actions. @codemirror/lsp-client 6.3.0 has no UI for them, so this is a small one: a menu
// at the cursor listing the server's actions for the hole there. An action's edit is applied
// here, in one transaction (the client answers server-to-client requests such as
// workspace/applyEdit with "method not found", so the server returns edits, not requests);
// an action's command (inlay.fillHole) goes back to the server as workspace/executeCommand.

const MENU_CLASS = "inlay-code-actions";

function closeCodeActionMenu() {
  for (const menu of document.querySelectorAll(`.${MENU_CLASS}`)) menu.remove();
}

async function requestCodeActions(view) {
  const plugin = LSPPlugin.get(view);
  if (!plugin) return null;
  plugin.client.sync();
  const { from, to } = view.state.selection.main;
  const doc = view.state.doc;
  const actions = await plugin.client.request("textDocument/codeAction", {
    textDocument: { uri: plugin.uri },
    range: { start: plugin.toPosition(from, doc), end: plugin.toPosition(to, doc) },
    context: { diagnostics: [] },
  });
  // The answer is about the text as it was; if it changed meanwhile, it no longer applies.
  return view.state.doc === doc ? { plugin, actions: actions || [] } : null;
}

function applyWorkspaceEdit(view, plugin, edit) {
  const edits = (edit.changes && edit.changes[plugin.uri]) || [];
  const changes = edits.map((e) => ({
    from: plugin.fromPosition(e.range.start, view.state.doc),
    to: plugin.fromPosition(e.range.end, view.state.doc),
    insert: e.newText,
  }));
  if (changes.length) view.dispatch({ changes, userEvent: "input.code-action" });
}

async function runCodeAction(view, plugin, action) {
  if (action.edit) applyWorkspaceEdit(view, plugin, action.edit);
  if (!action.command) return;
  plugin.client.sync(); // the server must fill the text the user sees
  try {
    const result = await plugin.client.request("workspace/executeCommand", {
      command: action.command.command,
      arguments: action.command.arguments || [],
    });
    document.dispatchEvent(new CustomEvent("inlay:run-started", { detail: result }));
    const workbench = document.getElementById("workbench");
    if (workbench && window.htmx) {
      window.htmx.ajax("GET", window.location.pathname, { target: "#workbench", select: "#workbench", swap: "outerHTML" });
    }
  } catch (err) {
    plugin.reportError(`${action.title} failed`, err);
  }
}

function showCodeActionMenu(view, plugin, actions) {
  closeCodeActionMenu();
  const coords = view.coordsAtPos(view.state.selection.main.head) || view.dom.getBoundingClientRect();
  const menu = document.createElement("div");
  menu.className = MENU_CLASS;
  menu.setAttribute("role", "menu");
  menu.setAttribute("aria-label", "Code actions");
  Object.assign(menu.style, {
    position: "fixed", left: `${coords.left}px`, top: `${coords.bottom + 2}px`, zIndex: 1000,
    background: "#fff", border: "1px solid #999", borderRadius: "4px", padding: "2px",
    boxShadow: "0 2px 8px rgba(0,0,0,.2)", font: "13px system-ui, sans-serif",
  });
  if (!actions.length) {
    const empty = document.createElement("div");
    empty.textContent = "No code actions here";
    empty.style.padding = "4px 8px";
    menu.append(empty);
  }
  for (const action of actions) {
    const item = document.createElement("button");
    item.type = "button";
    item.setAttribute("role", "menuitem");
    item.textContent = action.title.replaceAll("`", "");
    Object.assign(item.style, { display: "block", width: "100%", textAlign: "left", border: "0", background: "none", padding: "4px 8px", cursor: "pointer" });
    item.addEventListener("click", () => {
      closeCodeActionMenu();
      view.focus();
      runCodeAction(view, plugin, action);
    });
    menu.append(item);
  }
  menu.addEventListener("keydown", (event) => {
    const items = [...menu.querySelectorAll("button")];
    const at = items.indexOf(document.activeElement);
    if (event.key === "Escape") { closeCodeActionMenu(); view.focus(); }
    else if (event.key === "ArrowDown" && items.length) items[(at + 1) % items.length].focus();
    else if (event.key === "ArrowUp" && items.length) items[(at - 1 + items.length) % items.length].focus();
    else return;
    event.preventDefault();
  });
  document.body.append(menu);
  menu.querySelector("button")?.focus();
}

function openCodeActions(view) {
  requestCodeActions(view).then(
    (found) => { if (found) showCodeActionMenu(view, found.plugin, found.actions); },
    (err) => console.warn("[inlay] code actions failed", err),
  );
  return true;
}

document.addEventListener("mousedown", (event) => {
  if (!event.target.closest?.(`.${MENU_CLASS}`)) closeCodeActionMenu();
});

let current = null; // { host, view, lsp }

function syncTextarea(text) {
  const textarea = document.getElementById(TEXTAREA_ID);
  if (textarea && textarea.value !== text) textarea.value = text;
  return textarea;
}

function createEditor(host) {
  const textarea = document.getElementById(TEXTAREA_ID);
  const initialText = textarea ? textarea.value : "";

  const lspUrl = host.dataset.lspUrl;
  const documentUri = host.dataset.documentUri || "file:///sketch.py";
  const lsp = lspUrl ? { url: resolveWebSocketUrl(lspUrl), documentUri, rootUri: host.dataset.rootUri || parentUri(documentUri) } : null;
  const lspCompartment = new Compartment();

  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: initialText,
      extensions: [
        basicSetup, // line numbers, history, bracket matching, search, folding, autocompletion, ...
        keymap.of([
          indentWithTab,
          { key: "Mod-.", run: openCodeActions },
          { key: "Alt-Enter", run: openCodeActions },
        ]),
        indentUnit.of("    "),
        python(),
        lintGutter(),
        EditorView.contentAttributes.of({ "aria-label": "Sketch source" }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          const ta = syncTextarea(update.state.doc.toString());
          const user = update.transactions.some((tr) => !tr.annotation(programmatic));
          if (ta && user) ta.dispatchEvent(new Event("input", { bubbles: true }));
        }),
        lspCompartment.of([]),
      ],
    }),
  });

  let connection = null;
  if (lsp) {
    connection = new LanguageServerConnection(view, host, lspCompartment, lsp);
  } else {
    setLspState(host, "off");
  }

  if (textarea) textarea.hidden = true; // progressive enhancement: editable without JS
  current = { host, view, lsp: connection };
  host.dataset.ready = "true";
  if (connection) connection.start();
  return current;
}

function destroyCurrent() {
  if (!current) return;
  if (current.lsp) current.lsp.stop();
  current.view.destroy();
  current = null;
}

/** Create the editor for #editor if there is one that has no editor yet. */
export function initEditor() {
  const host = document.getElementById(EDITOR_ID);
  if (current && current.host === host) return current;
  if (current) destroyCurrent(); // the old host was swapped out
  if (!host) return null;
  return createEditor(host);
}

function getText() {
  return current ? current.view.state.doc.toString() : (document.getElementById(TEXTAREA_ID)?.value ?? "");
}

function setText(text) {
  text = text == null ? "" : String(text);
  if (!current) {
    syncTextarea(text);
    return;
  }
  const { view } = current;
  if (view.state.doc.toString() !== text) {
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: text },
      annotations: programmatic.of(true),
    });
  }
  syncTextarea(text);
}

window.inlayEditor = {
  getText,
  setText,
  get view() { return current ? current.view : null; },
  focus() { current?.view.focus(); },
  codeActions() { if (current) openCodeActions(current.view); },
};

document.addEventListener("inlay:set-text", (event) => {
  const detail = event.detail || {};
  const text = typeof detail === "string" ? detail : (detail.text ?? detail.value);
  if (typeof text === "string") setText(text);
});

// htmx fires htmx:load for swapped-in content; re-init if #editor was replaced.
document.addEventListener("htmx:load", () => initEditor());

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => initEditor());
else initEditor();
