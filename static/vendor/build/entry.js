// Entry point for static/vendor/codemirror.bundle.js (built by build.sh).
//
// Everything the editor page needs from CodeMirror 6 is re-exported from
// this single ES module, so that every consumer shares ONE copy of
// @codemirror/state and @codemirror/view (two copies break CodeMirror's
// `instanceof` checks). Import from the bundle, never from the packages.
//
// The core packages are re-exported wholesale (`export *`) so page scripts
// can build extra editors/extensions (read-only viewers, custom keymaps,
// decorations) without a rebuild. Names that two packages both export are
// the same binding (e.g. EditorView from "codemirror" and
// "@codemirror/view"), so there is no ambiguity.

export * from "@codemirror/state";
export * from "@codemirror/view";
export * from "@codemirror/commands";
export * from "@codemirror/language";
export * from "@codemirror/lint";
export * from "@codemirror/autocomplete";
export * from "@codemirror/search";

// basicSetup / minimalSetup from the "codemirror" meta package (6.0.2).
export { basicSetup, minimalSetup } from "codemirror";

// Python language support: python(), pythonLanguage, completions.
export * from "@codemirror/lang-python";

// Language server client: LSPClient, LSPPlugin, languageServerExtensions,
// serverDiagnostics, hoverTooltips, serverCompletion, signatureHelp,
// formatDocument, renameSymbol, jumpToDefinition, findReferences, ...
export * from "@codemirror/lsp-client";

// Syntax-highlighting primitives, for callers that highlight code outside
// an editor (e.g. a candidate preview): tags, highlightCode, highlightTree.
export { tags, highlightCode, highlightTree, classHighlighter } from "@lezer/highlight";
