// The lesson card: how a GPT writes a name, a section at a time, each showing live what it
// says (the figures of Python's numbers: lesson-figures.js; the flowchart: widgets/flowchart.js). The numbers come from Python (state.lesson.data: py/microgpt/lesson.py) and from Look
// inside's turn (state.inside): the lesson steps the same name with the same actions.
import { NEEDS_A_NAME, SECTIONS, modelKey } from "../actions/lesson.js";
import { readForm } from "../form.js";
import { latestOnly } from "../latest.js";
import { GENERATE_SETTINGS } from "../settings.js";
import { Flowchart } from "../widgets/flowchart.js";
import { LoopCode, stepsRun } from "../widgets/loop-code.js";
import { showData, showGradCost, showRunOn } from "./lesson-figures.js";

const $ = (id) => document.getElementById(id);
const LESSON_SEED = 1; // the sampling seed of the lesson's names, when the Generate card has none

// The sections whose words need Python's numbers (the others draw from Look inside's turn).
const USES_DATA = new Set(["training-to-generation", "autoregressive", "kv-cache", "stopping", "sampling"]);

// The glossary: each term, what it means here, and the element of the page that shows it.
const TERMS = [
  ["inference", "Running a trained model forward to get predictions, with its parameters fixed.", "inside"],
  ["autoregressive", "Generating one token at a time, each drawn token fed back in as the next input.", "ar-turns"],
  ["token", "The unit the model reads and writes: here one character, or BOS.", "dist"],
  ["BOS", "Beginning of sequence: the token every name starts from, and the one that ends it when drawn.", "bos-probs"],
  ["logits", "The model's raw score for every possible next token.", "dist"],
  ["softmax", "Turns scores into probabilities that are positive and sum to 1.", "temperatures"],
  ["temperature", "What the logits are divided by before softmax: below 1 sharpens, above 1 flattens.", "inside-temperature"],
  ["sampling", "Drawing the next token at random, each with its probability.", "samples"],
  ["KV cache", "The keys and values of the positions read so far, kept so they are not computed again.", "kv-vectors"],
  ["stopping condition", "When the loop ends: it drew BOS, or the name filled the block.", "learn-stopping"],
  ["attention", "How a position mixes the values of the positions before it, weighted by query-key match.", "attention"],
  ["entropy", "How spread out a distribution is, in bits: 0 when one token is certain.", "temperatures"],
];

export function mountLesson(store, app) {
  const loopCode = new LoopCode($("lesson-loop"));
  const flowCode = new LoopCode($("flow-code"));
  const flowchart = new Flowchart($("flowchart"), (step) => app.lessonPick(step));
  fillGlossary();
  const refresh = latestOnly(() => app.lessonRefresh());
  let autoStarted = null; // the section and model a name was last started for

  const go = (offset) => {
    const at = SECTIONS.indexOf(store.state.lesson.section);
    app.lessonGo(SECTIONS[Math.min(SECTIONS.length - 1, Math.max(0, at + offset))]);
  };
  $("lesson-prev").addEventListener("click", () => go(-1));
  $("lesson-next").addEventListener("click", () => go(1));
  $("lesson").addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "ArrowLeft") go(-1);
    else if (event.key === "ArrowRight") go(1);
    else return;
    event.preventDefault(); // (and Look inside leaves the arrow to the lesson)
  });
  // A link to an element of a hidden section opens that section first.
  $("lesson").addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const target = link && document.getElementById(link.getAttribute("href").slice(1));
    const section = target?.closest("[data-testid=lesson-section]");
    if (!section) return;
    event.preventDefault();
    app.lessonGo(section.dataset.section);
    target.scrollIntoView({ block: "center" });
    (target.matches("[tabindex], a, button, input") ? target : section).focus({ preventScroll: true });
  });

  const startName = async (turns) => {
    const { values, problems } = readForm(GENERATE_SETTINGS);
    if (problems.length) return store.update({ message: problems.join("\n") });
    app.setPlaying(false);
    // (with a seed of its own when the form has none: the run's stream stays microgpt.py's for Generate)
    await app.inspect({ ...values, sample_seed: values.sample_seed ?? LESSON_SEED });
    await runTurns(turns);
  };
  const runTurns = async (turns) => {
    for (let i = 0; turns === null || i < turns; i++) {
      if (!(await app.inspectStep())) break;
    }
  };
  const canStep = () => store.state.phase === "ready" && store.state.inside && !store.state.inside.turn?.done
    && !store.state.inside.playing;
  $("lesson-new-name").addEventListener("click", () => startName(0));
  $("lesson-step").addEventListener("click", () => canStep() && app.inspectStep());
  $("lesson-run-on").addEventListener("click", () => {
    const { values, problems } = readForm(GENERATE_SETTINGS);
    if (problems.length) return store.update({ message: problems.join("\n") });
    app.lessonRunOn(values);
  });
  $("lesson-measure").addEventListener("click", () => app.lessonMeasure(currentName(store.state)));

  store.subscribe(async (state, previous) => {
    const { lesson, phase, model, inside } = state;
    const ready = phase === "ready" && Boolean(model);
    showSection(lesson.section, previous?.lesson.section);
    $("lesson-new-name").disabled = !ready;
    $("lesson-step").disabled = !canStep();
    $("lesson-run-on").disabled = !ready;
    $("lesson-measure").disabled = !ready;
    showName(inside);
    if (inside?.loop) {
      loopCode.show(inside.loop.source);
      flowCode.show(inside.loop.source);
    } else {
      loopCode.clear();
      flowCode.clear();
    }
    loopCode.highlight(inside?.turn);
    flowCode.highlight(inside?.turn);
    flowCode.pick(lesson.picked);
    flowchart.show(inside?.loop ? stepsRun(inside.loop.source, inside.turn).at(-1) : null, lesson.picked);
    showData(lesson.data, inside);
    showRunOn(lesson.runOn?.model === modelKey(state) ? lesson.runOn : null);
    showGradCost(lesson.gradCost?.model === modelKey(state) ? lesson.gradCost : null);

    if (!ready) return;
    // A section that speaks of a name in progress starts one itself, and runs it as far as the
    // section needs (once per section and model: after that, the learner steps).
    const wanted = NEEDS_A_NAME[lesson.section];
    const key = `${lesson.section} ${modelKey(state)}`;
    const turnsRun = inside?.turn ? inside.turn.pos + 1 : 0;
    if (wanted !== undefined && autoStarted !== key && (!inside || (!inside.turn?.done
        && (wanted === null || turnsRun < wanted)))) {
      autoStarted = key;
      if (!inside) await startName(wanted);
      else await runTurns(wanted === null ? null : wanted - turnsRun);
      return;
    }
    // The cost of gradients is measured, never quoted: once per model and name, on entering the section.
    const measureKey = `${key} ${currentName(state)}`;
    if (lesson.section === "no-gradients" && inside?.turn && lesson.gradCost?.model !== modelKey(state)
        && autoStarted !== measureKey) {
      autoStarted = measureKey;
      app.lessonMeasure(currentName(state));
    }
    const changed = !previous || inside !== previous.inside || model !== previous.model || previous.phase !== "ready"
      || lesson.section !== previous.lesson.section;
    if (changed && USES_DATA.has(lesson.section)) refresh();
  });
}

// The name the loop has written so far (what comes after BOS, up to the current turn's token).
function currentName({ inside }) {
  const turn = inside?.turn;
  if (!turn) return "";
  return turn.name + (turn.token === "BOS" ? "" : turn.token);
}

function showSection(section, previous) {
  if (section === previous) return;
  const hadFocus = document.activeElement?.closest("[data-testid=lesson-section]");
  for (const article of document.querySelectorAll("[data-testid=lesson-section]")) {
    article.hidden = article.dataset.section !== section;
  }
  const at = SECTIONS.indexOf(section);
  const article = document.querySelector(`[data-testid=lesson-section][data-section="${section}"]`);
  $("lesson").dataset.section = section;
  $("lesson-position").textContent = `${at + 1} of ${SECTIONS.length}: ${article.querySelector("h3").textContent.replace(/^\d+\. /, "")}`;
  const focused = document.activeElement;
  $("lesson-prev").disabled = at === 0;
  $("lesson-next").disabled = at === SECTIONS.length - 1;
  // (a disabled button drops the focus to the page: it goes to the other, still in the lesson)
  if (focused?.disabled) (focused === $("lesson-next") ? $("lesson-prev") : $("lesson-next")).focus();
  $("lesson-link").href = `?learn=${section}`;
  // The focus was in the section just hidden: it goes to the new one, so the arrow keys go on working.
  if (hadFocus) article.focus({ preventScroll: true });
}

function showName(inside) {
  const turn = inside?.turn;
  const text = !inside ? "No name in progress: New name starts one (so does Look inside, below)."
    : !turn ? "A new name: nothing drawn yet. Press Step."
      : `The name being stepped: "${currentName({ inside })}", position ${turn.pos}` +
        (turn.done ? " — done." : ". Press Step for the next turn.");
  $("lesson-name").textContent = text;
}

function fillGlossary() {
  $("glossary").replaceChildren(...TERMS.flatMap(([term, meaning, target]) => {
    const dt = document.createElement("dt");
    const link = document.createElement("a");
    Object.assign(link, { href: `#${target}`, textContent: term });
    link.dataset.testid = "glossary-term";
    dt.append(link);
    const dd = document.createElement("dd");
    dd.textContent = meaning;
    return [dt, dd];
  }));
}
