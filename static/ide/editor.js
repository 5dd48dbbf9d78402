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
//   document event "inlay:set-text"    event.detail.text -> setText (e.g. from an
//                                      HX-Trigger: {"inlay:set-text": {"text": "..."}})
//   #editor[data-ready="true"]         set once the editor exists
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
        keymap.of([indentWithTab]),
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
