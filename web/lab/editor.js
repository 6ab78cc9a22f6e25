// The lab's editor: CodeMirror 6 with Python highlighting. build.py bundles this file with esbuild
// into dist/lab/editor.js, which the page imports only when the lab is opened.
import { EditorView, basicSetup } from "codemirror";
import { python } from "@codemirror/lang-python";
import { Decoration, keymap } from "@codemirror/view";
import { StateEffect, StateField } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";

// The line where the edit failed, marked until the text changes.
const markLine = StateEffect.define();
const failedLine = StateField.define({
  create: () => Decoration.none,
  update(marks, transaction) {
    if (transaction.docChanged) return Decoration.none;
    for (const effect of transaction.effects) {
      if (effect.is(markLine)) {
        marks = effect.value === null ? Decoration.none
          : Decoration.set([Decoration.line({ class: "lab-failed-line" }).range(effect.value)]);
      }
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

// An editor in parent holding text; onChange(text) after every edit. It returns what the lab
// needs of it.
export function createEditor(parent, text, onChange) {
  const view = new EditorView({
    doc: text,
    parent,
    extensions: [basicSetup, python(), keymap.of([indentWithTab]), failedLine,
      EditorView.contentAttributes.of({ "aria-label": "The generation loop, editable" }),
      EditorView.updateListener.of((update) => update.docChanged && onChange(update.state.doc.toString()))],
  });
  return {
    text: () => view.state.doc.toString(),
    setText(text) {
      if (text !== view.state.doc.toString()) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    // Mark a line (1-based), or none; it scrolls into view.
    mark(line) {
      const doc = view.state.doc;
      if (line === null || line < 1 || line > doc.lines) return view.dispatch({ effects: markLine.of(null) });
      const at = doc.line(line).from;
      view.dispatch({ effects: [markLine.of(at), EditorView.scrollIntoView(at, { y: "center" })] });
    },
  };
}
